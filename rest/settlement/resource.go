package settlement

import (
	"context"
	"net/http"

	"loyaltygraph/app/merchants"
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
	// in the path and the body ("companyId").
	path, idParam string
	// decodeCreate reads a create body; decodeUpdate an update body of
	// the instance id, which the body may repeat but not change, once
	// its empty members are omitted (omitEmpty).
	decodeCreate func(obj storebox.Object) (C, error)
	decodeUpdate func(obj storebox.Object, id string) (U, error)
	create       func(context.Context, C) (T, error)
	find         func(context.Context, string) (T, error)
	update       func(context.Context, string, U) (T, error)
	remove       func(context.Context, string) error
	ofMerchant   func(context.Context, string, *merchants.Page) ([]T, error)
	idOf         func(T) string
	toJSON       func(T) J
}

// register adds the resource's routes; plural names the merchant's list
// ("/api/v1/merchants/{merchantId}/companies").
func (rs *resource[T, C, U, J]) register(h *Handler, handle func(string, http.HandlerFunc), plural string) {
	item := rs.path + "/{" + rs.idParam + "}"
	handle("POST "+rs.path, rs.createHandler(h))
	handle("GET "+item, rs.getHandler(h))
	handle("PATCH "+item, rs.updateHandler(h))
	handle("PUT "+item, rs.updateHandler(h))
	handle("DELETE "+item, rs.deleteHandler(h))
	handle("GET /api/v1/merchants/{merchantId}/"+plural, rs.listHandler(h))
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
			v, err = rs.create(r.Context(), in)
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
		v, err := rs.find(r.Context(), r.PathValue(rs.idParam))
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
			v, err = rs.update(r.Context(), id, upd)
		}
		writeOne(h, w, r, http.StatusOK, v, err, rs.toJSON)
	}
}

func (rs *resource[T, C, U, J]) deleteHandler(h *Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.writeDeleted(w, r, rs.remove(r.Context(), r.PathValue(rs.idParam)))
	}
}

func (rs *resource[T, C, U, J]) listHandler(h *Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		list, err := allOf(r, func(p merchants.Page) ([]T, error) {
			return rs.ofMerchant(r.Context(), r.PathValue("merchantId"), &p)
		})
		writeList(h, w, r, list, err, rs.toJSON)
	}
}
