package settlement

import (
	"context"
	"net/http"

	"loyaltygraph/app/merchants"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// resource is one entity of the settlement model as this family serves it:
// how a body decodes into a create or an update input, which operation of
// the application layer each route calls, and how an instance is written.
// One flow (the methods below) serves every entity, so companies, stores,
// categories, campaigns and derived shares answer alike: 201 with Location
// on create, 200 on read and update, 204 on delete, and the merchant's list
// under /api/v1/merchants/{merchantId}/….
type resource[T, C, U, J any] struct {
	// path is the collection ("/api/v1/companies"); idParam names the id
	// in the path and the body ("companyId"); plural names the merchant's
	// list ("/api/v1/merchants/{merchantId}/companies").
	path, idParam, plural string
	// doc describes the resource in the family's document.
	doc resourceDoc
	// decodeCreate reads a create body; decodeUpdate an update body of
	// the instance id, which the body may repeat but not change, once
	// its empty members are omitted (omitEmpty).
	decodeCreate func(obj storebox.Object) (C, error)
	decodeUpdate func(obj storebox.Object, id string) (U, error)
	// The operations are method expressions of Merchants, so that the
	// resource is a value of the package, described without a Handler.
	create     func(Merchants, context.Context, C) (T, error)
	find       func(Merchants, context.Context, string) (T, error)
	update     func(Merchants, context.Context, string, U) (T, error)
	remove     func(Merchants, context.Context, string) error
	ofMerchant func(Merchants, context.Context, string, *merchants.Page) ([]T, error)
	idOf       func(T) string
	toJSON     func(T) J
}

func (rs *resource[T, C, U, J]) createHandler(h *Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		obj, err := storebox.DecodeObject(r)
		var in C
		if err == nil {
			in, err = rs.decodeCreate(obj)
		}
		var v T
		if err == nil {
			v, err = rs.create(h.merchants, r.Context(), in)
		}
		location := ""
		if err == nil {
			location = rs.path + "/" + rs.idOf(v)
		}
		writeCreated(h, w, r, location, v, err, rs.toJSON)
	}
}

func (rs *resource[T, C, U, J]) getHandler(h *Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := rs.find(h.merchants, r.Context(), r.PathValue(rs.idParam))
		writeOne(h, w, r, http.StatusOK, v, err, rs.toJSON)
	}
}

func (rs *resource[T, C, U, J]) updateHandler(h *Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue(rs.idParam)
		obj, err := storebox.DecodeObject(r)
		var upd U
		if err == nil {
			upd, err = rs.decodeUpdate(omitEmpty(obj), id)
		}
		var v T
		if err == nil {
			v, err = rs.update(h.merchants, r.Context(), id, upd)
		}
		writeOne(h, w, r, http.StatusOK, v, err, rs.toJSON)
	}
}

func (rs *resource[T, C, U, J]) deleteHandler(h *Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.writeDeleted(w, r, rs.remove(h.merchants, r.Context(), r.PathValue(rs.idParam)))
	}
}

func (rs *resource[T, C, U, J]) listHandler(h *Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		list, err := allOf(r, func(p merchants.Page) ([]T, error) {
			return rs.ofMerchant(h.merchants, r.Context(), r.PathValue("merchantId"), &p)
		})
		writeList(h, w, r, list, err, rs.toJSON)
	}
}

// resourceDoc describes a resource in the family's document.
type resourceDoc struct {
	// name and names are the entity in operation ids ("DerivedShare",
	// "DerivedShares"); noun and nouns in summaries ("derived share").
	name, names, noun, nouns string
	// tag groups the resource's operations.
	tag string
	// about is the Markdown description of the entity (from the seed).
	about string
	// createBody and updateBody are the bodies as the API documents them;
	// they are read member by member (storebox.Object), so that absent,
	// null and mistyped members are told apart and named.
	createBody, updateBody any
	// createErrors and updateErrors are the statuses, besides those of
	// every operation, that creating and updating may answer.
	createErrors, updateErrors []int
}

// operations are the resource's routes, each run by model (the merchant
// model's authorization before the body is read).
func (rs *resource[T, C, U, J]) operations(h *Handler) []openapi.Op {
	d := rs.doc
	var item J
	idParam := openapi.Param{Name: rs.idParam, In: "path", Required: true, Description: "External id of the " + d.noun + "."}
	path := rs.path + "/{" + rs.idParam + "}"
	update := func(method, id, summary string) openapi.Op {
		return openapi.Op{Method: method, Path: path, ID: id, Summary: summary, Tags: []string{d.tag},
			Description: "Update one or more fields of a " + d.noun + ". Members that are absent, null or the empty " +
				"string are left unchanged (\"empty values will be omitted\"). The " + rs.idParam + " and merchantId " +
				"cannot be changed: the body may repeat them, but a different value is refused (400). PATCH and PUT " +
				"are the same partial update.",
			Security: clients, Params: []openapi.Param{idParam}, Body: jsonBody(d.updateBody, "The fields to change."),
			Responses: responses(ok(item, "The "+d.noun+" as it now is."), withBody(d.updateErrors, 404)...),
			Handler:   h.model(rs.updateHandler(h))}
	}
	return []openapi.Op{
		{Method: http.MethodPost, Path: rs.path, ID: "settlementCreate" + d.name, Summary: "Add " + d.noun,
			Description: d.about, Tags: []string{d.tag}, Security: clients,
			Body:      jsonBody(d.createBody, "The new "+d.noun+"; its id is generated when not given."),
			Responses: responses(created(item, "The new "+d.noun+".", true), withBody(d.createErrors, 404, 409)...),
			Handler:   h.model(rs.createHandler(h))},
		{Method: http.MethodGet, Path: path, ID: "settlementGet" + d.name, Summary: "Get " + d.noun,
			Description: "Get a single " + d.noun + " by " + rs.idParam + ".", Tags: []string{d.tag}, Security: clients,
			Params: []openapi.Param{idParam}, Responses: responses(ok(item, "The "+d.noun+"."), 400, 404),
			Handler: h.model(rs.getHandler(h))},
		update(http.MethodPatch, "settlementUpdate"+d.name, "Update "+d.noun),
		update(http.MethodPut, "settlementUpdate"+d.name+"Put", "Update "+d.noun+" (PUT)"),
		{Method: http.MethodDelete, Path: path, ID: "settlementDelete" + d.name, Summary: "Delete " + d.noun,
			Description: "Delete a " + d.noun + " by " + rs.idParam + ".", Tags: []string{d.tag}, Security: clients,
			Params: []openapi.Param{idParam}, Responses: responses(noContent("Deleted."), 400, 404, 409),
			Handler: h.model(rs.deleteHandler(h))},
		{Method: http.MethodGet, Path: "/api/v1/merchants/{merchantId}/" + rs.plural, ID: "settlementGetMerchant" + d.names,
			Summary: "Get " + d.nouns, Description: "Get the " + d.nouns + " of a merchant by merchantId: all of them, " +
				"unless offset or limit ask for a page.",
			Tags: []string{tagMerchants}, Security: clients, Params: append([]openapi.Param{merchantIDParam}, pageParams...),
			Responses: responses(ok([]J{}, "The merchant's "+d.nouns+"."), 400, 404),
			Handler:   h.model(rs.listHandler(h))},
	}
}
