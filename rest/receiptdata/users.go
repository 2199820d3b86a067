package receiptdata

import (
	"context"
	"log/slog"
	"net/http"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/user"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// Users are the Storebox and whitelabel user operations this family calls
// (app/users).
type Users interface {
	CreateStoreboxUser(ctx context.Context, in user.StoreboxInput) (*user.User, error)
	LinkStoreboxUser(ctx context.Context, in user.LinkInput) (*user.LinkIDs, error)
	ValidateStoreboxLink(ctx context.Context, in user.LinkValidation) (*user.User, error)
	StoreboxUser(ctx context.Context, userID string) (*user.User, error)
	UpdateStoreboxUser(ctx context.Context, userID string, greenProfile *bool) (*user.User, error)
	DeleteStoreboxUser(ctx context.Context, userID string) error
	CreateWhitelabelUser(ctx context.Context, userIDType, cid, language string) (*user.User, bool, error)
	WhitelabelUser(ctx context.Context, userIDType, cid string) (*user.User, error)
	DeleteWhitelabelUser(ctx context.Context, userIDType, cid string) (*user.User, error)
}

// usersHandler serves the Storebox and whitelabel users of the family.
type usersHandler struct {
	users Users
	log   *slog.Logger
}

// RegisterUsers adds the Storebox user and whitelabel user endpoints to mux.
func RegisterUsers(mux *http.ServeMux, users Users, log *slog.Logger) {
	openapi.Register(mux, userOperations(&usersHandler{users: users, log: log}), nil)
}

func (h *usersHandler) fail(w http.ResponseWriter, r *http.Request, err error) {
	storebox.WriteError(w, r, h.log, err)
}

type userIDJSON struct {
	UserID string `json:"userId"`
}

// contactBody is an e-mail or mobile number object: {value, validated}.
type contactBody struct {
	Value string `json:"value"`
	// Validated says the partner has validated the value itself.
	Validated bool `json:"validated,omitempty"`
}

// contactJSON tells absent members of a contactBody from empty ones.
type contactJSON struct {
	Value     *string `json:"value"`
	Validated *bool   `json:"validated"`
}

// contact reads the object member field; absent or null is nil. A value
// that is not a string is an error naming field.value.
func contact(obj storebox.Object, field string) (*contactBody, error) {
	var c contactJSON
	present, err := obj.Decode(field, &c, "an object {value, validated}")
	if err != nil || !present {
		return nil, err
	}
	if c.Value == nil {
		return nil, errs.InvalidField(field+".value", "%s.value is required", field)
	}
	return &contactBody{Value: *c.Value, Validated: c.Validated != nil && *c.Validated}, nil
}

// domain is the contact as the domain takes it; nil stays nil.
func (c *contactBody) domain() *user.Contact {
	if c == nil {
		return nil
	}
	return &user.Contact{Value: c.Value, Validated: c.Validated}
}

// optBool reads an optional boolean member: nil when absent or null.
func optBool(obj storebox.Object, field string) (*bool, error) {
	var b bool
	present, err := obj.Decode(field, &b, "true or false")
	if err != nil || !present {
		return nil, err
	}
	return &b, nil
}

// stringsOf reads string members, stopping at the first error.
func stringsOf(obj storebox.Object, fields ...string) ([]string, error) {
	out := make([]string, len(fields))
	for i, f := range fields {
		v, _, err := obj.String(f)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// storeboxUserBody is the body of "create Storebox user". The e-mail and
// the mobile number are the user's usernames; one must be validated.
type storeboxUserBody struct {
	FirstName    string       `json:"firstName"`
	LastName     string       `json:"lastName"`
	GreenProfile *bool        `json:"greenProfile,omitempty"`
	Language     string       `json:"language,omitempty"`
	Email        *contactBody `json:"email,omitempty"`
	MobileNumber *contactBody `json:"mobileNumber,omitempty"`
}

// create is "create Storebox user": 201 {userId}.
func (h *usersHandler) create(w http.ResponseWriter, r *http.Request) {
	body, err := func() (storeboxUserBody, error) {
		var b storeboxUserBody
		obj, err := storebox.DecodeObject(r)
		if err != nil {
			return b, err
		}
		s, err := stringsOf(obj, "firstName", "lastName", "language")
		if err != nil {
			return b, err
		}
		b.FirstName, b.LastName, b.Language = s[0], s[1], s[2]
		if b.GreenProfile, err = optBool(obj, "greenProfile"); err != nil {
			return b, err
		}
		if b.Email, err = contact(obj, "email"); err != nil {
			return b, err
		}
		b.MobileNumber, err = contact(obj, "mobileNumber")
		return b, err
	}()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.users.CreateStoreboxUser(r.Context(), user.StoreboxInput{FirstName: body.FirstName, LastName: body.LastName,
		Language: body.Language, GreenProfile: body.GreenProfile, Email: body.Email.domain(), MobileNumber: body.MobileNumber.domain()})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusCreated, userIDJSON{UserID: u.ID})
}

// linkBody is the body of "link existing Storebox user": the e-mail, the
// mobile number or both.
type linkBody struct {
	Email        *contactBody `json:"email,omitempty"`
	MobileNumber *contactBody `json:"mobileNumber,omitempty"`
	Language     string       `json:"language,omitempty"`
}

// linkIDsJSON answers "link existing Storebox user": the ids to validate
// the codes sent with.
type linkIDsJSON struct {
	EmailValidationID        string `json:"emailValidationId,omitempty"`
	MobileNumberValidationID string `json:"mobileNumberValidationId,omitempty"`
}

// link is "link existing Storebox user": {emailValidationId,
// mobileNumberValidationId}, the same for known and unknown contacts.
func (h *usersHandler) link(w http.ResponseWriter, r *http.Request) {
	in, err := func() (user.LinkInput, error) {
		var in user.LinkInput
		var body linkBody
		obj, err := storebox.DecodeObject(r)
		if err != nil {
			return in, err
		}
		if body.Language, _, err = obj.String("language"); err != nil {
			return in, err
		}
		in.Language = body.Language
		for _, f := range []struct {
			name string
			src  **contactBody
			dst  *string
		}{{"email", &body.Email, &in.Email}, {"mobileNumber", &body.MobileNumber, &in.MobileNumber}} {
			if *f.src, err = contact(obj, f.name); err != nil {
				return in, err
			}
			if c := *f.src; c != nil {
				if c.Value == "" {
					return in, errs.InvalidField(f.name+".value", "%s.value is required", f.name)
				}
				*f.dst = c.Value
			}
		}
		return in, nil
	}()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ids, err := h.users.LinkStoreboxUser(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, linkIDsJSON{ids.EmailValidationID, ids.MobileNumberValidationID})
}

// linkValidateBody is the body of "link validate": each id of "link
// existing Storebox user" with the code sent for it.
type linkValidateBody struct {
	EmailValidationID        string `json:"emailValidationId,omitempty"`
	EmailOTP                 string `json:"emailOtp,omitempty"`
	MobileNumberValidationID string `json:"mobileNumberValidationId,omitempty"`
	MobileNumberOTP          string `json:"mobileNumberOtp,omitempty"`
}

// validate is "link validate": {userId} of the partner's mapping.
func (h *usersHandler) validate(w http.ResponseWriter, r *http.Request) {
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s, err := stringsOf(obj, "emailValidationId", "emailOtp", "mobileNumberValidationId", "mobileNumberOtp")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body := linkValidateBody{EmailValidationID: s[0], EmailOTP: s[1], MobileNumberValidationID: s[2], MobileNumberOTP: s[3]}
	u, err := h.users.ValidateStoreboxLink(r.Context(), user.LinkValidation{EmailValidationID: body.EmailValidationID,
		EmailOTP: body.EmailOTP, MobileNumberValidationID: body.MobileNumberValidationID, MobileNumberOTP: body.MobileNumberOTP})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, userIDJSON{UserID: u.ID})
}

type greenProfileJSON struct {
	GreenProfile bool `json:"greenProfile"`
}

func greenOf(u *user.User) greenProfileJSON {
	return greenProfileJSON{GreenProfile: u.GreenProfile != nil && *u.GreenProfile}
}

// get is "get user": {greenProfile}.
func (h *usersHandler) get(w http.ResponseWriter, r *http.Request) {
	u, err := h.users.StoreboxUser(r.Context(), r.PathValue("userId"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, greenOf(u))
}

// updateBody is the body of "update user".
type updateBody struct {
	// GreenProfile omitted (or null) changes nothing.
	GreenProfile *bool `json:"greenProfile,omitempty"`
}

// update is "update user": greenProfile omitted (or no body) changes
// nothing.
func (h *usersHandler) update(w http.ResponseWriter, r *http.Request) {
	var body updateBody
	if r.ContentLength != 0 {
		obj, err := storebox.DecodeObject(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if body.GreenProfile, err = optBool(obj, "greenProfile"); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	u, err := h.users.UpdateStoreboxUser(r.Context(), r.PathValue("userId"), body.GreenProfile)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, greenOf(u))
}

// delete is "delete user": the partner's mapping only.
func (h *usersHandler) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.users.DeleteStoreboxUser(r.Context(), r.PathValue("userId")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// whitelabelBody is the body of "create whitelabel user".
type whitelabelBody struct {
	// CID is the partner's own id of the user.
	CID      string `json:"cid"`
	Language string `json:"language,omitempty"`
}

// createWhitelabel is "create whitelabel user": 201 {userId}, or 200 with
// the same userId when the partner has a user for the cid already.
func (h *usersHandler) createWhitelabel(w http.ResponseWriter, r *http.Request) {
	if err := user.ValidateUserIDType(r.PathValue("userIdType")); err != nil {
		h.fail(w, r, err)
		return
	}
	obj, err := storebox.DecodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var body whitelabelBody
	var present bool
	body.CID, present, err = obj.String("cid")
	if err == nil && (!present || body.CID == "") {
		err = errs.InvalidField("cid", "cid is required")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if body.Language, _, err = obj.String("language"); err != nil {
		h.fail(w, r, err)
		return
	}
	u, created, err := h.users.CreateWhitelabelUser(r.Context(), r.PathValue("userIdType"), body.CID, body.Language)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	storebox.WriteJSON(w, status, userIDJSON{UserID: u.ID})
}

// getWhitelabel is "look up userId".
func (h *usersHandler) getWhitelabel(w http.ResponseWriter, r *http.Request) {
	u, err := h.users.WhitelabelUser(r.Context(), r.PathValue("userIdType"), r.PathValue("cid"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, userIDJSON{UserID: u.ID})
}

// deleteWhitelabel is "delete whitelabel user".
func (h *usersHandler) deleteWhitelabel(w http.ResponseWriter, r *http.Request) {
	if _, err := h.users.DeleteWhitelabelUser(r.Context(), r.PathValue("userIdType"), r.PathValue("cid")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
