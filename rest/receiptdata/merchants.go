package receiptdata

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/storebox"
)

// Profiles are the merchant profile operations this family calls
// (app/merchants.ProfileOps).
type Profiles interface {
	Logo(ctx context.Context, merchantID, version string) (*merchant.LogoImage, error)
	Supported(ctx context.Context, country string) ([]*merchant.Merchant, error)
}

// Marketing are the receipt operations on merchants and marketing messages
// this family calls (app/receipts).
type Marketing interface {
	UserMerchants(ctx context.Context, userID string) ([]*merchant.Merchant, error)
	Message(ctx context.Context, receiptID string) (*receipt.MarketingMessage, error)
	MessageImage(ctx context.Context, receiptID, imageID string) (*merchant.Image, error)
}

// MerchantHandler serves merchants, logos and marketing messages.
type MerchantHandler struct {
	profiles  Profiles
	marketing Marketing
	baseURL   string
	log       *slog.Logger
}

// RegisterMerchants adds the merchant, logo and marketing message routes
// to mux, and returns the handler (GET /receipts/{receiptId}/message is
// routed by Register, which shares its pattern). baseURL is the public
// base URL that logo URLs start with.
func RegisterMerchants(mux *http.ServeMux, profiles Profiles, marketing Marketing, baseURL string, log *slog.Logger) *MerchantHandler {
	h := &MerchantHandler{profiles: profiles, marketing: marketing, baseURL: baseURL, log: log}
	// The marketing message is served by Register's viewRoute.
	ops, _ := takeOp(merchantOperations(h), opGetMessage)
	openapi.Register(mux, ops, nil)
	return h
}

// LogoURL is the URL of a merchant's logo at its version under baseURL.
func LogoURL(baseURL, merchantID, version string) string {
	return baseURL + merchant.LogoPath(merchantID, version)
}

type logoOut struct {
	URL     string `json:"url" doc:"The logo image at this version; cache it until the version changes."`
	Version string `json:"version"`
}

// merchantOut is one merchant of the merchant lists (seed 001).
type merchantOut struct {
	MerchantID string   `json:"merchantId"`
	Name       string   `json:"name"`
	Country    string   `json:"country,omitempty" doc:"ISO 3166-1 alpha-2, lower case."`
	Logo       *logoOut `json:"logo,omitempty" doc:"Only when the merchant has a logo."`
}

func (h *MerchantHandler) merchants(w http.ResponseWriter, list []*merchant.Merchant) {
	out := make([]merchantOut, 0, len(list))
	for _, m := range list {
		o := merchantOut{MerchantID: m.ID, Name: m.Name, Country: strings.ToLower(m.Profile.Country)}
		if m.Logo != nil {
			o.Logo = &logoOut{URL: LogoURL(h.baseURL, m.ID, m.Logo.Version), Version: m.Logo.Version}
		}
		out = append(out, o)
	}
	storebox.WriteJSON(w, http.StatusOK, out)
}

// supported is "get supported merchants": the active merchants, of one
// country when asked.
func (h *MerchantHandler) supported(w http.ResponseWriter, r *http.Request) {
	list, err := h.profiles.Supported(r.Context(), r.URL.Query().Get("country"))
	if err != nil {
		storebox.WriteError(w, r, h.log, err)
		return
	}
	h.merchants(w, list)
}

// userMerchants is "get user merchants": the merchants the user has
// receipts from.
func (h *MerchantHandler) userMerchants(w http.ResponseWriter, r *http.Request) {
	list, err := h.marketing.UserMerchants(r.Context(), r.PathValue("userId"))
	if err != nil {
		storebox.WriteError(w, r, h.log, err)
		return
	}
	h.merchants(w, list)
}

// logoCacheForever is how a versioned logo is cached: its URL names one
// content for ever.
const logoCacheForever = "public, max-age=31536000, immutable"

// logo serves a merchant's logo image. With the current version in the
// URL it may be cached for ever; without it, or with an old one, the
// current logo is served and must be revalidated.
func (h *MerchantHandler) logo(w http.ResponseWriter, r *http.Request) {
	version := r.URL.Query().Get("version")
	logo, err := h.profiles.Logo(r.Context(), r.PathValue("merchantId"), version)
	if err != nil {
		storebox.WriteError(w, r, h.log, err)
		return
	}
	hd := w.Header()
	hd.Set("ETag", strconv.Quote(logo.Version))
	if version == logo.Version {
		hd.Set("Cache-Control", logoCacheForever)
	} else {
		hd.Set("Cache-Control", "public, no-cache")
	}
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if etagMatches(r.Header.Values("If-None-Match"), logo.Version) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeImage(w, r, logo.ContentType, logo.Data)
}

// writeImage writes an image's bytes with its type.
func writeImage(w http.ResponseWriter, r *http.Request, contentType string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// etagMatches reports whether an If-None-Match header lists the entity
// tag of version (weakly compared, as RFC 9110 asks for If-None-Match) or
// is "*".
func etagMatches(headers []string, version string) bool {
	for _, hv := range headers {
		for _, tag := range strings.Split(hv, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == strconv.Quote(version) {
				return true
			}
		}
	}
	return false
}

// messageOut is a marketing message as the Receipt Data API writes it.
type messageOut struct {
	ID           int64  `json:"id"`
	MerchantName string `json:"merchantName"`
	Subject      string `json:"subject"`
	Text         string `json:"text"`
	ImageID      string `json:"imageId,omitempty"`
}

// message is "get message": the marketing message of a receipt.
func (h *MerchantHandler) message(w http.ResponseWriter, r *http.Request) {
	m, err := h.marketing.Message(r.Context(), r.PathValue("receiptId"))
	if err != nil {
		storebox.WriteError(w, r, h.log, err)
		return
	}
	storebox.WriteJSON(w, http.StatusOK, messageOut{ID: m.ID, MerchantName: m.MerchantName, Subject: m.Subject,
		Text: m.Text, ImageID: m.ImageID})
}

// messageImage is "get image": the image of a receipt's marketing message.
func (h *MerchantHandler) messageImage(w http.ResponseWriter, r *http.Request) {
	img, err := h.marketing.MessageImage(r.Context(), r.PathValue("receiptId"), r.PathValue("imageId"))
	if err != nil {
		storebox.WriteError(w, r, h.log, err)
		return
	}
	// The answer depends on the caller's credentials.
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	writeImage(w, r, img.ContentType, img.Data)
}
