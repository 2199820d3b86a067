package receipts

import (
	"context"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/receipt"
)

// WithMarketing gives o the marketing messages and merchant profiles that
// the merchant and message operations read.
func WithMarketing(o *Ops, messages *receipt.Messages, profiles *merchant.Profiles) *Ops {
	o.messages, o.profiles = messages, profiles
	return o
}

// UserMerchants returns the merchants the user has receipts from.
func (o *Ops) UserMerchants(ctx context.Context, userID string) ([]*merchant.Merchant, error) {
	_, userID, err := o.reachUser(ctx, "UserMerchants", userID)
	if err != nil {
		return nil, err
	}
	return o.profiles.UserMerchants(ctx, userID)
}

// CreateMessage adds a marketing message of a merchant.
func (o *Ops) CreateMessage(ctx context.Context, in receipt.MessageInput) (*receipt.MarketingMessage, error) {
	if _, err := policy.Authorize(ctx, "CreateMessage"); err != nil {
		return nil, err
	}
	return o.messages.Create(ctx, in)
}

// reader is whose receipts the caller reads a receipt among: a partner's
// users', or an end user's own.
func reader(p *auth.Principal) receipt.Reader {
	if p.Kind == auth.KindUser {
		return receipt.Reader{UserID: p.UserID}
	}
	return receipt.Reader{ProviderID: p.CredentialID}
}

// Message returns the marketing message of a receipt: its merchant's
// message valid at its purchase time.
// SECURITY: the receipt must be one of the caller's users' (a partner) or
// its own (an end user); any other receipt is not found.
func (o *Ops) Message(ctx context.Context, receiptID string) (*receipt.MarketingMessage, error) {
	p, err := policy.Authorize(ctx, "Message")
	if err != nil {
		return nil, err
	}
	return o.messages.ForReceipt(ctx, reader(p), receiptID)
}

// MessagesOf returns the marketing messages of those of receiptIDs the
// caller reaches (see Message) and that have one, each with its ReceiptID:
// the batch reader of Receipt.marketingMessage.
func (o *Ops) MessagesOf(ctx context.Context, receiptIDs []string) ([]*receipt.MarketingMessage, error) {
	p, err := policy.Authorize(ctx, "MessagesOf")
	if err != nil {
		return nil, err
	}
	return o.messages.ForReceipts(ctx, reader(p), receiptIDs)
}

// MessageImage returns the image of a receipt's marketing message, under
// the rule of Message.
func (o *Ops) MessageImage(ctx context.Context, receiptID, imageID string) (*merchant.Image, error) {
	p, err := policy.Authorize(ctx, "MessageImage")
	if err != nil {
		return nil, err
	}
	return o.messages.Image(ctx, reader(p), receiptID, imageID)
}
