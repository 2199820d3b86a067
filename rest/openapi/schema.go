package openapi

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Schemer is implemented by a Go type whose JSON the reflector cannot see
// through (a custom MarshalJSON): it describes its own JSON Schema.
type Schemer interface {
	OpenAPISchema() Schema
}

// The struct tags the reflector reads besides json:
//
//	doc:"the field's description (Markdown)"
//	openapi:"enum=a|b|c;format=email;example=x;pattern=^[0-9]+$;minLength=1;maxLength=64;minimum=0;maximum=100;nullable;required;readOnly"
//
// nullable adds null to a field's type (a slice or map that the handler
// may encode as null, for instance); required makes an omitempty field
// required (a field the handler always sets although its zero value would
// be left out).
const (
	docTag     = "doc"
	openapiTag = "openapi"
)

var (
	timeType    = reflect.TypeFor[time.Time]()
	decimalType = reflect.TypeFor[decimal.Decimal]()
	rawType     = reflect.TypeFor[json.RawMessage]()
	schemaType  = reflect.TypeFor[Schema]()
	schemerType = reflect.TypeFor[Schemer]()
	jsonMarshal = reflect.TypeFor[json.Marshaler]()
	textMarshal = reflect.TypeFor[encoding.TextMarshaler]()
	durationTyp = reflect.TypeFor[time.Duration]()
	numberType  = reflect.TypeFor[json.Number]()
)

// reflector turns Go types into JSON Schemas (draft 2020-12, the dialect
// of OpenAPI 3.1), collecting named struct types as components.
type reflector struct {
	// defs are the components, by name.
	defs map[string]Schema
	// names are the component names given to named types.
	names map[reflect.Type]string
	// taken are the names in use, for the types that share one.
	taken map[string]reflect.Type
}

func newReflector() *reflector {
	return &reflector{defs: map[string]Schema{}, names: map[reflect.Type]string{}, taken: map[string]reflect.Type{}}
}

// of returns the schema of v: a Schema as is, a Go value's type reflected.
func (r *reflector) of(v any) Schema {
	if s, ok := v.(Schema); ok {
		return s
	}
	return r.schema(reflect.TypeOf(v))
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// componentName names t's component after its package and type:
// userapi.UserBody; a second type of the same name gets a suffix.
func (r *reflector) componentName(t reflect.Type) string {
	if n, ok := r.names[t]; ok {
		return n
	}
	pkg := t.PkgPath()
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		pkg = pkg[i+1:]
	}
	base := strings.Trim(unsafeName.ReplaceAllString(pkg+"."+t.Name(), "_"), "_")
	name := base
	for i := 2; r.taken[name] != nil && r.taken[name] != t; i++ {
		name = base + strconv.Itoa(i)
	}
	r.names[t] = name
	r.taken[name] = t
	return name
}

func ref(name string) Schema { return Schema{"$ref": "#/components/schemas/" + name} }

// nullable returns s allowing null as well.
func nullable(s Schema) Schema {
	if typ, ok := s["type"].(string); ok && len(s) > 0 && s["$ref"] == nil {
		out := Schema{}
		for k, v := range s {
			out[k] = v
		}
		out["type"] = []any{typ, "null"}
		if enum, ok := out["enum"].([]any); ok {
			out["enum"] = append(append([]any{}, enum...), nil)
		}
		return out
	}
	if typs, ok := s["type"].([]any); ok {
		for _, t := range typs {
			if t == "null" {
				return s
			}
		}
	}
	if len(s) == 0 { // anything: null included
		return s
	}
	return Schema{"anyOf": []any{s, Schema{"type": "null"}}}
}

// schema returns t's schema: a $ref for named struct types, inline for
// the rest.
func (r *reflector) schema(t reflect.Type) Schema {
	if t == nil {
		return Schema{}
	}
	if t == schemaType {
		return Schema{}
	}
	if t.Kind() == reflect.Pointer {
		return nullable(r.schema(t.Elem()))
	}
	if t.Implements(schemerType) {
		return reflect.Zero(t).Interface().(Schemer).OpenAPISchema()
	}
	if reflect.PointerTo(t).Implements(schemerType) {
		return reflect.New(t).Interface().(Schemer).OpenAPISchema()
	}
	switch t {
	case timeType:
		return Schema{"type": "string", "format": "date-time"}
	case decimalType:
		// shopspring/decimal marshals as a quoted decimal string.
		return Schema{"type": "string", "pattern": `^-?[0-9]+(\.[0-9]+)?$`, "examples": []any{"12.50"}}
	case rawType:
		return Schema{}
	case numberType:
		return Schema{"type": "number"}
	case durationTyp:
		return Schema{"type": "integer", "description": "nanoseconds"}
	}
	if t.Implements(jsonMarshal) || reflect.PointerTo(t).Implements(jsonMarshal) {
		// A custom encoding the reflector cannot see through; a type
		// that wants a precise schema implements Schemer.
		return Schema{}
	}
	if t.Implements(textMarshal) || reflect.PointerTo(t).Implements(textMarshal) {
		return Schema{"type": "string"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return Schema{"type": "boolean"}
	case reflect.Int, reflect.Int64:
		return Schema{"type": "integer", "format": "int64"}
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return Schema{"type": "integer", "format": "int32"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return Schema{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return Schema{"type": "number"}
	case reflect.String:
		return Schema{"type": "string"}
	case reflect.Interface:
		return Schema{}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return Schema{"type": "string", "contentEncoding": "base64"}
		}
		s := Schema{"type": "array", "items": r.schema(t.Elem())}
		if t.Kind() == reflect.Array {
			s["minItems"], s["maxItems"] = t.Len(), t.Len()
		}
		return s
	case reflect.Map:
		s := Schema{"type": "object", "additionalProperties": r.schema(t.Elem())}
		if k := t.Key().Kind(); k >= reflect.Int && k <= reflect.Uint64 {
			s["propertyNames"] = Schema{"pattern": `^-?[0-9]+$`}
		}
		return s
	case reflect.Struct:
		if t.Name() == "" {
			return r.object(t)
		}
		name := r.componentName(t)
		if _, ok := r.defs[name]; !ok {
			r.defs[name] = Schema{} // a placeholder while recursing
			r.defs[name] = r.object(t)
		}
		return ref(name)
	}
	// Channels, functions, complex numbers: encoding/json refuses them.
	panic(fmt.Sprintf("openapi: no JSON Schema for %s", t))
}

// field is one JSON property of a struct.
type field struct {
	name     string
	typ      reflect.Type
	tag      reflect.StructTag
	optional bool // omitempty or omitzero
	asString bool // ,string
}

// fields lists t's JSON properties as encoding/json sees them: exported
// fields, json names, embedded structs' fields promoted unless shadowed.
func fields(t reflect.Type) []field {
	var out []field
	seen := map[string]int{} // name → depth
	var walk func(t reflect.Type, depth int, visited map[reflect.Type]bool)
	walk = func(t reflect.Type, depth int, visited map[reflect.Type]bool) {
		if visited[t] {
			return
		}
		visited[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ft := f.Type
			if f.Anonymous && name == "" {
				et := ft
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if et.Kind() == reflect.Struct {
					walk(et, depth+1, visited)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if d, ok := seen[name]; ok && d <= depth {
				continue
			}
			seen[name] = depth
			fd := field{name: name, typ: ft, tag: f.Tag}
			for _, o := range strings.Split(opts, ",") {
				switch o {
				case "omitempty", "omitzero":
					fd.optional = true
				case "string":
					fd.asString = true
				}
			}
			// A shallower field of the same name replaces a deeper one.
			replaced := false
			for j := range out {
				if out[j].name == name {
					out[j] = fd
					replaced = true
				}
			}
			if !replaced {
				out = append(out, fd)
			}
		}
	}
	walk(t, 0, map[reflect.Type]bool{})
	return out
}

// object is a struct's schema, inline.
func (r *reflector) object(t reflect.Type) Schema {
	props := Schema{}
	var required []string
	for _, f := range fields(t) {
		var s Schema
		if f.asString {
			s = Schema{"type": "string"}
		} else {
			s = r.schema(f.typ)
		}
		opts := parseOpenAPITag(f.tag.Get(openapiTag))
		if d := f.tag.Get(docTag); d != "" || len(opts) > 0 {
			s = annotate(s, d, opts)
		}
		props[f.name] = s
		if !f.optional || opts["required"] != "" {
			required = append(required, f.name)
		}
	}
	out := Schema{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		out["required"] = required
	}
	return out
}

// parseOpenAPITag reads `openapi:"enum=a|b;format=email;nullable"`.
func parseOpenAPITag(tag string) map[string]string {
	if tag == "" {
		return nil
	}
	opts := map[string]string{}
	for _, part := range strings.Split(tag, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			v = "true"
		}
		if k != "" {
			opts[k] = v
		}
	}
	return opts
}

// annotate returns s with a description and the tag's keywords. A $ref
// is wrapped (3.1 allows siblings of $ref, but some tools drop them).
func annotate(s Schema, doc string, opts map[string]string) Schema {
	out := Schema{}
	if s["$ref"] != nil {
		out["allOf"] = []any{s}
	} else {
		for k, v := range s {
			out[k] = v
		}
	}
	if doc != "" {
		out["description"] = doc
	}
	num := func(v string) any {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
		panic("openapi: not a number in an openapi tag: " + v)
	}
	for k, v := range opts {
		switch k {
		case "enum":
			var enum []any
			for _, e := range strings.Split(v, "|") {
				enum = append(enum, e)
			}
			out["enum"] = enum
		case "format", "pattern":
			out[k] = v
		case "example":
			out["examples"] = []any{v}
		case "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems":
			out[k] = num(v)
		case "readOnly", "writeOnly", "deprecated":
			out[k] = true
		case "nullable", "required":
		default:
			panic("openapi: unknown openapi tag keyword " + k)
		}
	}
	if opts["nullable"] != "" {
		return nullable(out)
	}
	return out
}
