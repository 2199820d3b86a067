package resolvers

import (
	"io"
	"net/url"

	"github.com/99designs/gqlgen/graphql"

	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/graph/model"
)

// readUpload reads an uploaded file's bytes (nil for no file), a byte past
// the image limit at most, so that the domain can tell it is too large.
func readUpload(u *graphql.Upload) ([]byte, error) {
	if u == nil || u.File == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(u.File, merchant.MaxImageBytes+1))
	if err != nil {
		return nil, err
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// logoOf is the GraphQL view of a merchant's logo; nil without one.
func (r *Resolver) logoOf(merchantID string, l *merchant.Logo) *model.MerchantLogo {
	if l == nil {
		return nil
	}
	return &model.MerchantLogo{URL: r.PublicBaseURL + merchant.LogoPath(merchantID, l.Version), Version: l.Version}
}

// messageOf is the GraphQL view of a marketing message read with the
// receipt receiptID (empty: none, so no image URL).
func (r *Resolver) messageOf(m *receipt.MarketingMessage, receiptID string) *model.MarketingMessage {
	if m == nil {
		return nil
	}
	out := &model.MarketingMessage{MessageID: int(m.ID), MerchantName: m.MerchantName, Subject: m.Subject, Text: m.Text,
		ImageID: optional(m.ImageID), ValidFrom: m.ValidFrom, ValidTo: m.ValidTo}
	if m.ImageID != "" && receiptID != "" {
		u := r.PublicBaseURL + "/receipt-data/v1/receipts/" + url.PathEscape(receiptID) + "/message/images/" + url.PathEscape(m.ImageID)
		out.ImageURL = &u
	}
	return out
}
