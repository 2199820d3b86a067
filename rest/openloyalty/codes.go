package openloyalty

import (
	"net/http"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/rest/storebox"
)

// codeError answers a wrong, used or expired code as {code, message}:
// these paths have no form.
func (h *Handler) codeError(w http.ResponseWriter, r *http.Request, err error) {
	if e := errs.As(err); e.Code == errs.Invalid && e.Field == "token" {
		storebox.WriteJSON(w, http.StatusBadRequest, messageBody{Code: http.StatusBadRequest, Message: e.Message})
		return
	}
	WriteError(w, r, h.log, err)
}

// activateByToken: POST /api/{storeCode}/customer/activate/{token}, 200
// without content. The token is the capability; a token in Authorization
// is not needed. customer[plainPassword] (an extension) sets the password.
func (h *Handler) activateByToken(w http.ResponseWriter, r *http.Request) {
	v, err := readValues(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	password := v.str("customer.plainPassword")
	if password == nil {
		password = v.str("plainPassword")
	}
	err = h.ops.ActivateByToken(r.Context(), r.PathValue("storeCode"), clientAddr(r), r.PathValue("token"), password)
	if err != nil {
		h.codeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// activateBySMS: POST /api/{storeCode}/customer/activate-sms/{token}, 204.
func (h *Handler) activateBySMS(w http.ResponseWriter, r *http.Request) {
	if err := h.ops.ActivateBySMS(r.Context(), r.PathValue("storeCode"), clientAddr(r), r.PathValue("token")); err != nil {
		h.codeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// confirmChange: POST /api/{storeCode}/customer/confirm-change/{token}
// (the customer's token), 204.
func (h *Handler) confirmChange(w http.ResponseWriter, r *http.Request) {
	if err := h.ops.ConfirmPhoneChange(r.Context(), r.PathValue("storeCode"), r.PathValue("token")); err != nil {
		h.codeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// sendSMSCode: POST …/admin|seller/customer/{customer}/send-sms-code and
// the customer's own POST …/customer/customer-phone/send-sms-code, 200.
func (h *Handler) sendSMSCode(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customer")
	if p := auth.FromContext(r.Context()); id == "" && p != nil && p.Is(auth.KindCustomer) {
		id = p.CustomerID
	}
	if err := h.ops.SendActivationSMS(r.Context(), r.PathValue("storeCode"), id); err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
