package userapi

import (
	"encoding/json"
	"net/http"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/user"
	"loyaltygraph/rest/storebox"
)

// body reads the request's JSON object and the named members, in order;
// required ones must be present.
type body struct {
	obj storebox.Object
	err error
}

func readBody(r *http.Request) *body {
	obj, err := storebox.DecodeObject(r)
	return &body{obj: obj, err: err}
}

// text reads a string member (a JSON number is accepted too).
func (b *body) text(field string, required bool) string {
	if b.err != nil {
		return ""
	}
	v, present, err := b.obj.Text(field)
	if err != nil {
		b.err = err
	} else if required && (!present || v == "") {
		b.err = errs.InvalidField(field, "%s is required", field)
	}
	return v
}

func (b *body) optText(field string) *string {
	if b.err != nil {
		return nil
	}
	v, present, err := b.obj.Text(field)
	if err != nil {
		b.err = err
		return nil
	}
	if !present {
		return nil
	}
	return &v
}

func (b *body) boolean(field string) bool {
	if b.err != nil {
		return false
	}
	v, err := b.obj.Bool(field)
	if err != nil {
		b.err = err
	}
	return v
}

func (b *body) integer(field string, def int) int {
	if b.err != nil {
		return def
	}
	v, err := b.obj.Int(field, def)
	if err != nil {
		b.err = err
	}
	return v
}

// userJSON is a user as "get user" shows it; responses say phoneNumber.
type userJSON struct {
	PhoneNumber string      `json:"phoneNumber"`
	UserID      string      `json:"userId"`
	MemberID    string      `json:"memberId"`
	Parms       []user.Parm `json:"parms"`
}

func toUserJSON(u *user.User) userJSON {
	parms := u.Parms
	if parms == nil {
		parms = []user.Parm{}
	}
	return userJSON{PhoneNumber: u.Phone, UserID: u.ID, MemberID: u.MemberID, Parms: parms}
}

type signupJSON struct {
	Result user.SignupResult `json:"result" openapi:"enum=CARD_ADDED|VERIFICATION_SENT"`
	UserID string            `json:"userId,omitempty"`
}

func (h *Handler) writeSignup(w http.ResponseWriter, res user.SignupResult, u *user.User) {
	if res == user.SignupCardAdded && u != nil {
		storebox.WriteJSON(w, http.StatusOK, signupJSON{Result: res, UserID: u.ID})
		return
	}
	storebox.WriteJSON(w, http.StatusAccepted, signupJSON{Result: res})
}

func (h *Handler) signupWithCard(w http.ResponseWriter, r *http.Request) {
	b := readBody(r)
	in := user.CardSignup{Phone: b.text("phonenumber", true)}
	in.Card.TruncatedPAN = b.text("truncatedPan", true)
	in.Card.Token = b.text("token", true)
	in.Card.Payment = b.boolean("payment")
	in.StoreID = b.text("storeId", false)
	h.cardSignup(w, r, b, in, false)
}

func (h *Handler) signupWithToken(w http.ResponseWriter, r *http.Request) {
	b := readBody(r)
	in := user.CardSignup{Phone: b.text("phonenumber", true)}
	in.Card.Token = b.text("token", true)
	in.Card.TokenType = b.text("tokenType", true)
	in.Card.TruncatedPAN = b.text("truncatedPan", false)
	h.cardSignup(w, r, b, in, true)
}

// cardSignup finishes both card signups once their bodies are read.
func (h *Handler) cardSignup(w http.ResponseWriter, r *http.Request, b *body, in user.CardSignup, tokenTypeRequired bool) {
	if b.err != nil {
		h.fail(w, r, b.err)
		return
	}
	res, u, err := h.users.SignupWithCard(r.Context(), in, tokenTypeRequired)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeSignup(w, res, u)
}

func (h *Handler) signup(w http.ResponseWriter, r *http.Request) {
	b := readBody(r)
	phone := b.text("phonenumber", true)
	memberID := b.text("memberId", false)
	smsType := b.integer("smsType", int(user.SMSTypeOTP))
	if b.err != nil {
		h.fail(w, r, b.err)
		return
	}
	if err := h.users.Signup(r.Context(), phone, memberID, user.SMSType(smsType)); err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeSignup(w, user.SignupVerificationSent, nil)
}

// linkCodeJSON is "link code exists"; the seed sends phoneNumber as a number.
type linkCodeJSON struct {
	Provider    string      `json:"provider"`
	PhoneNumber json.Number `json:"phoneNumber"`
	LinkCode    string      `json:"linkCode"`
	StoreID     string      `json:"storeId"`
	Created     string      `json:"created"`
}

func (h *Handler) linkCode(w http.ResponseWriter, r *http.Request) {
	sg, err := h.users.LinkCode(r.Context(), r.PathValue("linkCode"))
	if err != nil {
		h.fail(w, r, usedAsUnknown(err))
		return
	}
	storebox.WriteJSON(w, http.StatusOK, linkCodeJSON{
		Provider: sg.Provider.Name, PhoneNumber: json.Number(sg.Phone), LinkCode: sg.LinkCode,
		StoreID: sg.StoreID, Created: sg.CreatedAt.UTC().Format(time.RFC3339),
	})
}

func (h *Handler) verifyLinkCode(w http.ResponseWriter, r *http.Request) {
	memberID := ""
	if r.ContentLength != 0 {
		b := readBody(r)
		memberID = b.text("memberId", false)
		if b.err != nil {
			h.fail(w, r, b.err)
			return
		}
	}
	if _, err := h.users.VerifyLinkCode(r.Context(), r.PathValue("linkCode"), memberID); err != nil {
		h.fail(w, r, usedAsUnknown(err))
		return
	}
	storebox.WriteJSON(w, http.StatusOK, stateJSON{State: 0})
}

// usedAsUnknown answers a used or expired link code (Gone) as not found,
// like an unknown one: the seed documents no 410.
func usedAsUnknown(err error) error {
	if e := errs.As(err); e.Code == errs.Gone {
		return &errs.Error{Code: errs.NotFound, Message: e.Message, Field: e.Field}
	}
	return err
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request) {
	u, err := h.users.Get(r.Context(), r.PathValue("userId"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, toUserJSON(u))
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request) {
	b := readBody(r)
	upd := user.Update{Phone: b.optText("phonenumber"), PhoneVerified: b.boolean("phonenumberValid")}
	if b.err == nil {
		var parms []struct {
			Name  *string `json:"name"`
			Value *string `json:"value"`
		}
		present, err := b.obj.Decode("parms", &parms, "an array of {name, value}")
		if err != nil {
			b.err = err
		} else if present {
			list := make([]user.Parm, 0, len(parms))
			for _, p := range parms {
				if p.Name == nil || p.Value == nil {
					b.err = errs.InvalidField("parms", "every parm needs a name and a value")
					break
				}
				list = append(list, user.Parm{Name: *p.Name, Value: *p.Value})
			}
			upd.Parms = &list
		}
	}
	if b.err != nil {
		h.fail(w, r, b.err)
		return
	}
	u, err := h.users.Update(r.Context(), r.PathValue("userId"), upd)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, toUserJSON(u))
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) {
	if err := h.users.Delete(r.Context(), r.PathValue("userId")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) cardTokenByPhone(w http.ResponseWriter, r *http.Request) {
	b := readBody(r)
	phone := b.text("phonenumber", true)
	if b.err != nil {
		h.fail(w, r, b.err)
		return
	}
	token, err := h.users.CardTokenByPhone(r.Context(), phone)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, cardTokenJSON{Token: token})
}

func (h *Handler) validateOTP(w http.ResponseWriter, r *http.Request) {
	b := readBody(r)
	phone := b.text("phonenumber", true)
	code := b.text("otp", true)
	if b.err != nil {
		h.fail(w, r, b.err)
		return
	}
	u, err := h.users.ValidateOTP(r.Context(), phone, code)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, userIDJSON{UserID: u.ID})
}

func (h *Handler) requestToken(w http.ResponseWriter, r *http.Request) {
	b := readBody(r)
	phone := b.text("phonenumber", true)
	if b.err != nil {
		h.fail(w, r, b.err)
		return
	}
	if err := h.users.RequestToken(r.Context(), phone); err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusAccepted, emptyJSON{})
}

func (h *Handler) verifyToken(w http.ResponseWriter, r *http.Request) {
	b := readBody(r)
	phone := b.text("phonenumber", true)
	code := b.text("otp", true)
	if b.err != nil {
		h.fail(w, r, b.err)
		return
	}
	token, err := h.users.VerifyToken(r.Context(), phone, code)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, accessTokenJSON{AccessToken: token})
}
