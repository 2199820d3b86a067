package openloyalty

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
)

// maxFormBytes caps a form or JSON body of this family.
const maxFormBytes = 1 << 20

// values are the members of a request, flattened to dotted paths:
// customer[address][city]=X and {"customer":{"address":{"city":"X"}}} both
// give "customer.address.city" = "X".
type values map[string]string

// readValues reads the query string and the body (form-encoded, multipart
// or JSON) of r. A GET may carry a form body too, as the seed's curl
// examples send their filters.
func readValues(r *http.Request) (values, error) {
	out := values{}
	if err := addQuery(out, r.URL.RawQuery); err != nil {
		return nil, err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
	if err != nil {
		return nil, errs.E(errs.Invalid, "the request body could not be read")
	}
	if len(body) > maxFormBytes {
		return nil, errs.E(errs.TooLarge, "the request body is larger than %d bytes", maxFormBytes)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return out, nil
	}
	switch ct {
	case "application/json":
		var v any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, errs.E(errs.Invalid, "the request body is not valid JSON")
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, errs.E(errs.Invalid, "the request body must be a JSON object")
		}
		if err := flatten(out, "", obj); err != nil {
			return nil, err
		}
	case "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := r.ParseMultipartForm(maxFormBytes); err != nil {
			return nil, errs.E(errs.Invalid, "the request body is not a valid multipart form")
		}
		for k, vs := range r.MultipartForm.Value {
			if err := put(out, bracketPath(k), vs[len(vs)-1]); err != nil {
				return nil, err
			}
		}
	default:
		if err := addQuery(out, string(body)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func addQuery(out values, raw string) error {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return errs.E(errs.Invalid, "the form is not valid")
	}
	for k, vs := range q {
		if err := put(out, bracketPath(k), vs[len(vs)-1]); err != nil {
			return err
		}
	}
	return nil
}

// bracketPath turns customer[address][city] into customer.address.city.
func bracketPath(k string) string {
	k = strings.ReplaceAll(k, "][", ".")
	k = strings.ReplaceAll(k, "[", ".")
	return strings.TrimSuffix(k, "]")
}

func put(out values, path, v string) error {
	field := path
	if i := strings.IndexByte(path, '.'); i >= 0 {
		field = path[i+1:]
	}
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) || !utf8.ValidString(path) || len(path) > 200 {
		return errs.InvalidField(field, "This value is not valid.")
	}
	out[path] = v
	return nil
}

func flatten(out values, prefix string, obj map[string]any) error {
	for k, v := range obj {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 0 {
				if err := put(out, path, ""); err != nil {
					return err
				}
			}
			if err := flatten(out, path, x); err != nil {
				return err
			}
		case string:
			if err := put(out, path, x); err != nil {
				return err
			}
		case json.Number:
			if err := put(out, path, x.String()); err != nil {
				return err
			}
		case bool:
			s := "0"
			if x {
				s = "1"
			}
			if err := put(out, path, s); err != nil {
				return err
			}
		case nil:
			if err := put(out, path, ""); err != nil {
				return err
			}
		default:
			return errs.InvalidField(strings.TrimPrefix(path, "customer."), "This value is not valid.")
		}
	}
	return nil
}

// str returns the value at path, nil when absent.
func (v values) str(path string) *string {
	s, ok := v[path]
	if !ok {
		return nil
	}
	return &s
}

// has reports whether any value is at path or under it.
func (v values) has(path string) bool {
	if _, ok := v[path]; ok {
		return true
	}
	for k := range v {
		if strings.HasPrefix(k, path+".") {
			return true
		}
	}
	return false
}

// agreement reads an agreement: 1 or true is true, 0, false or empty false.
func (v values) agreement(path, field string) (*bool, error) {
	s := v.str(path)
	if s == nil {
		return nil, nil
	}
	var b bool
	switch strings.ToLower(strings.TrimSpace(*s)) {
	case "1", "true", "on", "yes":
		b = true
	case "0", "false", "", "off", "no":
	default:
		return nil, errs.InvalidField(field, "This value is not valid.")
	}
	return &b, nil
}

// customerFields reads the customer[...] members of a register or update
// request (a JSON body may also hold the fields at the top level).
func customerFields(v values) (loyalty.Fields, error) {
	prefix := "customer."
	if !v.has("customer") {
		prefix = ""
	}
	g := func(name string) *string { return v.str(prefix + name) }
	f := loyalty.Fields{
		FirstName: g("firstName"), LastName: g("lastName"), Gender: g("gender"), Email: g("email"),
		Phone: g("phone"), BirthDate: g("birthDate"), CreatedAt: g("createdAt"),
		LoyaltyCardNumber: g("loyaltyCardNumber"), Labels: g("labels"), PlainPassword: g("plainPassword"),
		POSID: g("posId"), SellerID: g("sellerId"),
	}
	var err error
	for i, a := range []**bool{&f.Agreement1, &f.Agreement2, &f.Agreement3} {
		name := fmt.Sprintf("agreement%d", i+1)
		if *a, err = v.agreement(prefix+name, name); err != nil {
			return f, err
		}
	}
	if v.has(prefix + "address") {
		s := func(n string) string { return v[prefix+"address."+n] }
		f.Address = &loyalty.Address{Street: s("street"), Address1: s("address1"), Address2: s("address2"),
			Postal: s("postal"), City: s("city"), Province: s("province"), Country: s("country")}
	}
	if v.has(prefix + "company") {
		f.Company = &loyalty.Company{Name: v[prefix+"company.name"], NIP: v[prefix+"company.nip"]}
	}
	return f, nil
}
