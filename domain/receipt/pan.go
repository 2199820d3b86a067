package receipt

import "loyaltygraph/domain/pan"

// The card-number rules of the receipt context, through the one PAN guard
// (domain/pan): card fields take only the masked 6+4 form, free text
// carrying a card number is refused, product numbers and barcodes refuse
// card numbers of 15 to 19 digits (13 and 14 digit article codes pass the
// Luhn check one time in ten). Errors name the field and never echo it.

// refuseCardNumber reports field when text holds a card number.
func refuseCardNumber(field, text string) error { return pan.CheckText(field, text) }

// refuseCardNumberInCode is refuseCardNumber for product numbers and
// barcodes.
func refuseCardNumberInCode(field, text string) error { return pan.CheckCode(field, text) }

// validateTruncatedCardNumber checks the masked 6+4 form of a card number.
func validateTruncatedCardNumber(field, s string) error { return pan.CheckMasked(field, s) }
