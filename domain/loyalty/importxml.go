package loyalty

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"loyaltygraph/domain/errs"
)

// ImportItem is the result of one <customer> of an import.
type ImportItem struct {
	// Success is false when the item failed; Message says why.
	Success    bool
	CustomerID string
	Message    string
	// Identifier is the item's <email> text.
	Identifier string
}

// ImportResult is the outcome of an import.
type ImportResult struct {
	Items     []ImportItem
	Processed int
	Succeeded int
	Failed    int
}

// MaxImportItems caps the customers of one import.
const MaxImportItems = 10000

// xmlText is a node that may be absent.
type xmlText struct {
	Value string `xml:",chardata"`
	Set   bool
}

// UnmarshalXML records that the node was present.
func (t *xmlText) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	t.Set = true
	return d.DecodeElement(&t.Value, &start)
}

type xmlCustomer struct {
	Email             xmlText `xml:"email"`
	FirstName         xmlText `xml:"firstName"`
	LastName          xmlText `xml:"lastName"`
	Active            xmlText `xml:"active"`
	Agreement1        xmlText `xml:"agreement1"`
	Agreement2        xmlText `xml:"agreement2"`
	Agreement3        xmlText `xml:"agreement3"`
	Gender            xmlText `xml:"gender"`
	BirthDate         xmlText `xml:"birthDate"`
	Phone             xmlText `xml:"phone"`
	LoyaltyCardNumber xmlText `xml:"loyaltyCardNumber"`
	LevelID           xmlText `xml:"levelId"`
	POSID             xmlText `xml:"posId"`
	SellerID          xmlText `xml:"sellerId"`
	Labels            xmlText `xml:"labels"`
	Company           *struct {
		Name string `xml:"name"`
		NIP  string `xml:"nip"`
	} `xml:"company"`
	Address *Address `xml:"address"`
}

// Address nodes of an import.
func (a *Address) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var v struct {
		Street   string `xml:"street"`
		Address1 string `xml:"address1"`
		Address2 string `xml:"address2"`
		Postal   string `xml:"postal"`
		City     string `xml:"city"`
		Province string `xml:"province"`
		Country  string `xml:"country"`
	}
	if err := d.DecodeElement(&v, &start); err != nil {
		return err
	}
	*a = Address(v)
	return nil
}

type convertError string

func (e convertError) Error() string { return "Convert exception: " + string(e) }

func xmlBool(name string, t xmlText) (bool, error) {
	switch strings.TrimSpace(t.Value) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, convertError(name + " has invalid value (true or false required)")
}

// convert turns an item into the fields of a registration and whether the
// customer is active, in Open Loyalty's order of checks.
func (x xmlCustomer) convert() (Fields, bool, string, error) {
	for _, r := range []struct {
		name string
		t    xmlText
	}{{"email", x.Email}, {"firstName", x.FirstName}, {"lastName", x.LastName}, {"active", x.Active},
		{"agreement1", x.Agreement1}, {"gender", x.Gender}} {
		if !r.t.Set || strings.TrimSpace(r.t.Value) == "" {
			return Fields{}, false, "", convertError(r.name + " is required node")
		}
	}
	active, err := xmlBool("active", x.Active)
	if err != nil {
		return Fields{}, false, "", err
	}
	f := Fields{}
	set := func(t xmlText) *string {
		if !t.Set {
			return nil
		}
		v := strings.TrimSpace(t.Value)
		return &v
	}
	f.Email, f.FirstName, f.LastName, f.Gender = set(x.Email), set(x.FirstName), set(x.LastName), set(x.Gender)
	f.Phone, f.LoyaltyCardNumber, f.Labels, f.POSID, f.SellerID = set(x.Phone), set(x.LoyaltyCardNumber), set(x.Labels), set(x.POSID), set(x.SellerID)
	for i, a := range []struct {
		t   xmlText
		dst **bool
	}{{x.Agreement1, &f.Agreement1}, {x.Agreement2, &f.Agreement2}, {x.Agreement3, &f.Agreement3}} {
		if !a.t.Set {
			continue
		}
		b, err := xmlBool(fmt.Sprintf("agreement%d", i+1), a.t)
		if err != nil {
			return Fields{}, false, "", err
		}
		*a.dst = &b
	}
	if x.BirthDate.Set && strings.TrimSpace(x.BirthDate.Value) != "" {
		v := strings.TrimSpace(x.BirthDate.Value)
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return Fields{}, false, "", convertError("birthDate has invalid date format (Y-m-d required)")
		}
		f.BirthDate = &v
	}
	if x.Company != nil {
		f.Company = &Company{Name: x.Company.Name, NIP: x.Company.NIP}
	}
	f.Address = x.Address
	level := ""
	if x.LevelID.Set {
		level = strings.ToLower(strings.TrimSpace(x.LevelID.Value))
	}
	return f, active, level, nil
}

// errDTD refuses documents that declare a DTD: entities (external ones
// above all) are never expanded.
var errDTD = errs.InvalidField("file", "the XML file must not declare a DTD or entities")

// Import registers the customers of an Open Loyalty customer import file
// (<customers><customer>…</customer>…</customers>) in store, streaming
// it. A document with a DTD is refused whole, before any customer is
// registered; an item that fails is reported and the next one tried.
//
// SECURITY: no DTD, no entity but XML's five, no external resource is
// ever read; the caller caps the size of r.
func (s *Service) Import(ctx context.Context, store string, r io.Reader, assignLevel func(ctx context.Context, id, levelID string) error) (*ImportResult, error) {
	if err := CheckStoreCode(store); err != nil {
		return nil, err
	}
	// A first pass over the document refuses DTDs and malformed XML
	// before anything is written, so an import is never half done for
	// those reasons.
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, errs.InvalidField("file", "the file could not be read")
	}
	if err := checkXML(body); err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(strings.NewReader(string(body)))
	dec.Strict = true
	res := &ImportResult{Items: []ImportItem{}}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errs.InvalidField("file", "the file is not valid XML")
		}
		start, ok := tok.(xml.StartElement)
		if !ok || start.Name.Local != "customer" {
			continue
		}
		if res.Processed >= MaxImportItems {
			return nil, errs.InvalidField("file", "at most %d customers per import", MaxImportItems)
		}
		var item xmlCustomer
		if err := dec.DecodeElement(&item, &start); err != nil {
			return nil, errs.InvalidField("file", "the file is not valid XML")
		}
		res.Processed++
		out := ImportItem{Identifier: strings.TrimSpace(item.Email.Value)}
		f, active, level, err := item.convert()
		if err == nil {
			var c *Customer
			if c, err = s.Register(ctx, store, f); err == nil {
				out.CustomerID = c.ID
				if !active {
					err = s.SetActive(ctx, store, c.ID, false)
				}
				if err == nil && level != "" && assignLevel != nil {
					err = assignLevel(ctx, c.ID, level)
				}
			}
		}
		if err != nil {
			out.Message = importMessage(err)
			res.Failed++
		} else {
			out.Success = true
			res.Succeeded++
		}
		res.Items = append(res.Items, out)
	}
	return res, nil
}

func importMessage(err error) string {
	var ce convertError
	if errors.As(err, &ce) {
		return ce.Error()
	}
	e := errs.As(err)
	if e.Code == errs.Internal {
		return "Import exception: the customer could not be saved"
	}
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// checkXML refuses a document with a DTD (<!DOCTYPE …>, <!ENTITY …>) or
// that is not well-formed.
func checkXML(body []byte) error {
	dec := xml.NewDecoder(strings.NewReader(string(body)))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return errs.InvalidField("file", "the file is not valid XML")
		}
		if _, ok := tok.(xml.Directive); ok {
			return errDTD
		}
	}
}
