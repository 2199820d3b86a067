package openloyalty

import (
	"io"
	"net/http"
	"strconv"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/rest/storebox"
)

// emptyBody is the empty JSON array ([]) some operations answer with, as
// the seed shows.
type emptyBody []struct{}

func (h *Handler) assignPOS(w http.ResponseWriter, r *http.Request) {
	v, err := readValues(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	if err := h.ops.AssignPOS(r.Context(), r.PathValue("storeCode"), r.PathValue("customer"), v["posId"]); err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, emptyBody{})
}

// registrationsBody counts the registrations per day, month or year
// ("2018-02-02": 5).
type registrationsBody map[string]int

func (h *Handler) registrations(w http.ResponseWriter, r *http.Request) {
	v, err := readValues(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	lastDays := 0
	if s := v["lastDays"]; s != "" {
		if lastDays, err = strconv.Atoi(s); err != nil || lastDays < 1 {
			WriteError(w, r, h.log, errs.InvalidField("lastDays", "lastDays must be a whole number from 1"))
			return
		}
	}
	out, err := h.ops.Registrations(r.Context(), r.PathValue("storeCode"), loyalty.Interval(v["interval"]), lastDays)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, registrationsBody(out))
}

// pushyTokensBody lists a customer's Pushy device tokens.
type pushyTokensBody struct {
	Tokens []string `json:"tokens" openapi:"nullable"`
}

func (h *Handler) pushyTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := h.ops.PushyTokens(r.Context(), r.PathValue("storeCode"), r.PathValue("customer"))
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, pushyTokensBody{Tokens: ts})
}

func (h *Handler) addPushyToken(w http.ResponseWriter, r *http.Request) {
	v, err := readValues(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	token := v["customer.pushyToken"]
	if token == "" {
		token = v["pushyToken"]
	}
	if err := h.ops.AddPushyToken(r.Context(), r.PathValue("storeCode"), r.PathValue("customer"), token); err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) removePushyToken(w http.ResponseWriter, r *http.Request) {
	if err := h.ops.RemovePushyToken(r.Context(), r.PathValue("storeCode"), r.PathValue("customer"), r.PathValue("token")); err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// maxImportBytes caps an import file; the server caps the whole body too.
const maxImportBytes = 3 << 20

type importItemBody struct {
	Status              string        `json:"status"`
	ProcessImportResult *importResult `json:"processImportResult,omitempty"`
	Message             string        `json:"message,omitempty"`
	Identifier          string        `json:"identifier"`
}

// importBody answers an import: one item per customer of the file. Its
// members are in the order they were first written (a map's keys sorted).
type importBody struct {
	Items          []importItemBody `json:"items"`
	TotalFailed    int              `json:"totalFailed"`
	TotalProcessed int              `json:"totalProcessed"`
	TotalSuccess   int              `json:"totalSuccess"`
}

// importResult names the customer an item created or updated.
type importResult struct {
	Object string `json:"object"`
}

func (h *Handler) importXML(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(maxImportBytes); err != nil {
		WriteError(w, r, h.log, errs.InvalidField("file", "send the XML file as multipart file[file]"))
		return
	}
	f, hdr, err := r.FormFile("file[file]")
	if err != nil {
		WriteError(w, r, h.log, errs.InvalidField("file", "send the XML file as multipart file[file]"))
		return
	}
	defer f.Close()
	if hdr.Size > maxImportBytes {
		WriteError(w, r, h.log, errs.E(errs.TooLarge, "the file is larger than %d bytes", maxImportBytes))
		return
	}
	res, err := h.ops.Import(r.Context(), r.PathValue("storeCode"), f)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	items := make([]importItemBody, len(res.Items))
	for i, it := range res.Items {
		items[i] = importItemBody{Identifier: it.Identifier}
		if it.Success {
			items[i].Status, items[i].ProcessImportResult = "success", &importResult{Object: it.CustomerID}
		} else {
			items[i].Status, items[i].Message = "error", it.Message
		}
	}
	storebox.WriteJSON(w, http.StatusOK, importBody{Items: items, TotalProcessed: res.Processed,
		TotalSuccess: res.Succeeded, TotalFailed: res.Failed})
}

func (h *Handler) setAvatar(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(loyalty.MaxAvatarBytes); err != nil {
		WriteError(w, r, h.log, errs.InvalidField("avatar.file", "send the picture as multipart avatar[file]"))
		return
	}
	f, hdr, err := r.FormFile("avatar[file]")
	if err != nil {
		WriteError(w, r, h.log, errs.InvalidField("avatar.file", "send the picture as multipart avatar[file]"))
		return
	}
	defer f.Close()
	if hdr.Size > loyalty.MaxAvatarBytes {
		WriteError(w, r, h.log, errs.InvalidField("avatar.file", "The file is too large (at most %d bytes).", loyalty.MaxAvatarBytes))
		return
	}
	data, err := io.ReadAll(io.LimitReader(f, loyalty.MaxAvatarBytes+1))
	if err != nil {
		WriteError(w, r, h.log, errs.InvalidField("avatar.file", "the file could not be read"))
		return
	}
	if err := h.ops.SetAvatar(r.Context(), r.PathValue("storeCode"), r.PathValue("customer"), data); err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) avatar(w http.ResponseWriter, r *http.Request) {
	a, err := h.ops.Avatar(r.Context(), r.PathValue("storeCode"), r.PathValue("customer"))
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.Data)
}

func (h *Handler) deleteAvatar(w http.ResponseWriter, r *http.Request) {
	if err := h.ops.DeleteAvatar(r.Context(), r.PathValue("storeCode"), r.PathValue("customer")); err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
