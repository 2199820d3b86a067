package gqltypes

// Node is the Go binding of the GraphQL Node interface. Domain types stay
// free of GraphQL markers, so any value may be a Node; the generated code
// dispatches on the concrete type.
type Node any
