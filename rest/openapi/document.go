package openapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Combined is the title and version of the document of every family
// (/openapi.json).
const (
	CombinedTitle   = "loyaltygraph REST API"
	CombinedVersion = "1"
)

// combinedDescription introduces the combined document.
const combinedDescription = `The REST compatibility doors of loyaltygraph: each family below speaks the legacy API it ` +
	`replaces, on its legacy paths, with its own credentials and error bodies, over the same application layer as ` +
	"the GraphQL API at `/graphql` (GraphiQL at `/graphiql`).\n\n" +
	`Every family also has its own document at ` + "`/openapi/{family}.json`" + `. This document is generated from the ` +
	`tables that register the routes, and the test suite validates every REST response it receives against it.`

// securitySchemes are the OpenAPI definitions of the schemes.
var securitySchemes = map[Scheme]Schema{
	PartnerBasic: {"type": "http", "scheme": "basic",
		"description": "A partner's API key and secret as HTTP Basic (`Authorization: Basic base64(key:secret)`)."},
	PartnerJWT: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
		"description": "The partner's API key wrapped in an HS256 JWT signed with its secret: `iss` the key, `sub` the " +
			"request path, `method` the HTTP method, `exp` at most the configured lifetime ahead."},
	StoreboxUserToken: {"type": "apiKey", "in": "header", "name": "X-Storebox-user-token",
		"description": "An end user's access token (from the signup or authenticate flows), sent with the partner's credentials."},
	AuthSignature: {"type": "apiKey", "in": "header", "name": "X-Auth-signature",
		"description": "`base64(HMAC-SHA256(apiKey, \"receiptId:type\"))`: the capability to read one receipt's rendering."},
	POSBasic: {"type": "http", "scheme": "basic",
		"description": "A till's pos credential (key and secret as HTTP Basic), bound to one merchant."},
	SettlementBasic: {"type": "http", "scheme": "basic",
		"description": "A settlement client's key and secret as HTTP Basic."},
	AdminBasic: {"type": "http", "scheme": "basic",
		"description": "An admin credential's key and secret as HTTP Basic."},
	OpenLoyaltyJWT: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
		"description": "The RS256 token of an Open Loyalty login (`POST /api/{role}/login_check`), as `Authorization: Bearer`."},
	APIToken: {"type": "apiKey", "in": "header", "name": "API-Token",
		"description": "The checkout session token: every answer carries it in `token`; send it back in `API-Token`. " +
			"A request without one (or with an unknown or expired one) starts a new session."},
}

// knownHeaders describe the response headers ops name.
var knownHeaders = map[string]Schema{
	"Retry-After": {"description": "Seconds to wait before trying again.",
		"schema": Schema{"type": "string", "pattern": "^[0-9]+$"}},
	"Location":         {"description": "Where the resource is.", "schema": Schema{"type": "string"}},
	"WWW-Authenticate": {"description": "The scheme to authenticate with.", "schema": Schema{"type": "string"}},
	"X-Correlation-ID": {"description": "The request's X-Correlation-ID, echoed.", "schema": Schema{"type": "string"}},
}

var (
	pathParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)(\.\.\.)?\}`)
	methods   = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true}
)

// TemplatePath is op's path as an OpenAPI path template: a ServeMux
// pattern's {name...} is {name}, {$} is dropped.
func TemplatePath(path string) string {
	path = strings.ReplaceAll(path, "{$}", "")
	return pathParam.ReplaceAllString(path, "{$1}")
}

// Document returns the OpenAPI 3.1 document of families as JSON: one
// family's own document, or the combined document of several (titled
// CombinedTitle, a tag group per family). It fails when the table is not
// a valid description: a duplicate route or operationId, a path parameter
// the path does not have, an operation without responses.
func Document(families ...Family) ([]byte, error) {
	doc, err := build(families, len(families) != 1)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
}

// Combined is the combined document of families, even of one.
func Combined(families ...Family) ([]byte, error) {
	doc, err := build(families, true)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
}

// MustDocument is Document for tables known to be valid (a test proves
// it); it panics otherwise.
func MustDocument(families ...Family) []byte {
	b, err := Document(families...)
	if err != nil {
		panic(err)
	}
	return b
}

// MustCombined is Combined for tables known to be valid.
func MustCombined(families ...Family) []byte {
	b, err := Combined(families...)
	if err != nil {
		panic(err)
	}
	return b
}

func build(families []Family, combined bool) (Schema, error) {
	r := newReflector()
	paths := map[string]Schema{}
	ids := map[string]string{}
	routes := map[string]bool{}
	used := map[Scheme]bool{}
	var tags []any
	var groups []any
	for _, f := range families {
		if f.Title == "" || f.Key == "" {
			return nil, fmt.Errorf("openapi: a family needs a Key and a Title (%q, %q)", f.Key, f.Title)
		}
		groupTags := []any{}
		addTag := func(name, desc string) {
			for _, t := range groupTags {
				if t == name {
					return
				}
			}
			groupTags = append(groupTags, name)
			t := Schema{"name": name}
			if desc != "" {
				t["description"] = desc
			}
			tags = append(tags, t)
		}
		if combined {
			addTag(f.Title, f.Description)
		}
		for _, op := range f.Ops {
			where := fmt.Sprintf("openapi: %s %s (%s)", op.Method, op.Path, f.Key)
			if !methods[op.Method] {
				return nil, fmt.Errorf("%s: unknown method", where)
			}
			if op.ID == "" {
				return nil, fmt.Errorf("%s: no operationId", where)
			}
			if other, dup := ids[op.ID]; dup {
				return nil, fmt.Errorf("%s: operationId %q is %s's too", where, op.ID, other)
			}
			ids[op.ID] = op.Method + " " + op.Path
			path := TemplatePath(op.Path)
			if routes[op.Method+" "+path] {
				return nil, fmt.Errorf("%s: the route is declared twice", where)
			}
			routes[op.Method+" "+path] = true
			o, err := operation(r, op, used)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			opTags := op.Tags
			if len(opTags) == 0 {
				opTags = []string{f.Title}
			}
			for _, t := range opTags {
				addTag(t, "")
			}
			o["tags"] = opTags
			item := paths[path]
			if item == nil {
				item = Schema{}
				paths[path] = item
			}
			item[strings.ToLower(op.Method)] = o
		}
		groups = append(groups, Schema{"name": f.Title, "tags": groupTags})
	}
	info := Schema{"title": CombinedTitle, "version": CombinedVersion, "description": combinedDescription}
	if !combined {
		info = Schema{"title": families[0].Title, "version": families[0].Version, "description": families[0].Description}
		if info["version"] == "" {
			info["version"] = CombinedVersion
		}
	}
	schemes := Schema{}
	for s := range used {
		def, ok := securitySchemes[s]
		if !ok {
			return nil, fmt.Errorf("openapi: unknown security scheme %q", s)
		}
		schemes[string(s)] = def
	}
	components := Schema{}
	if len(r.defs) > 0 {
		defs := Schema{}
		for k, v := range r.defs {
			defs[k] = v
		}
		components["schemas"] = defs
	}
	if len(schemes) > 0 {
		components["securitySchemes"] = schemes
	}
	doc := Schema{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"info":              info,
		"paths":             paths,
		"tags":              orEmpty(tags),
	}
	if combined {
		doc["x-tagGroups"] = orEmpty(groups)
	}
	if len(components) > 0 {
		doc["components"] = components
	}
	return doc, nil
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

// operation is op's Operation Object.
func operation(r *reflector, op Op, used map[Scheme]bool) (Schema, error) {
	o := Schema{"operationId": op.ID}
	if op.Summary != "" {
		o["summary"] = op.Summary
	}
	if op.Description != "" {
		o["description"] = op.Description
	}
	security := []any{}
	for _, alt := range op.Security {
		req := Schema{}
		for _, s := range alt {
			req[string(s)] = []any{}
			used[s] = true
		}
		security = append(security, req)
	}
	o["security"] = security

	inPath := map[string]bool{}
	for _, m := range pathParam.FindAllStringSubmatch(op.Path, -1) {
		inPath[m[1]] = true
	}
	var params []any
	declared := map[string]bool{}
	for _, p := range op.Params {
		switch p.In {
		case "path":
			if !inPath[p.Name] {
				return nil, fmt.Errorf("path parameter %q is not in the path", p.Name)
			}
			declared[p.Name] = true
		case "query", "header", "cookie":
		default:
			return nil, fmt.Errorf("parameter %q: unknown location %q", p.Name, p.In)
		}
		s := r.of(p.Type)
		if p.Type == nil {
			s = Schema{"type": "string"}
		}
		if len(p.Enum) > 0 {
			enum := make([]any, len(p.Enum))
			for i, e := range p.Enum {
				enum[i] = e
			}
			s = Schema{"type": "string", "enum": enum}
		}
		param := Schema{"name": p.Name, "in": p.In, "schema": s, "required": p.Required || p.In == "path"}
		if p.Description != "" {
			param["description"] = p.Description
		}
		params = append(params, param)
	}
	// A path parameter the table does not describe is still one.
	var undeclared []string
	for name := range inPath {
		if !declared[name] {
			undeclared = append(undeclared, name)
		}
	}
	sort.Strings(undeclared)
	for _, name := range undeclared {
		params = append(params, Schema{"name": name, "in": "path", "required": true, "schema": Schema{"type": "string"}})
	}
	if len(params) > 0 {
		o["parameters"] = params
	}

	if op.Body != nil {
		ct := op.Body.ContentType
		if ct == "" {
			ct = "application/json"
		}
		media := Schema{}
		if op.Body.Type != nil {
			media["schema"] = r.of(op.Body.Type)
		}
		content := Schema{ct: media}
		for _, alt := range op.Body.Alternatives {
			m := Schema{}
			if alt.Type != nil {
				m["schema"] = r.of(alt.Type)
			}
			content[alt.ContentType] = m
		}
		body := Schema{"required": op.Body.Required, "content": content}
		if op.Body.Description != "" {
			body["description"] = op.Body.Description
		}
		o["requestBody"] = body
	}

	if len(op.Responses) == 0 {
		return nil, fmt.Errorf("no responses")
	}
	responses := Schema{}
	for _, resp := range op.Responses {
		if resp.Status < 100 || resp.Status > 599 {
			return nil, fmt.Errorf("status %d", resp.Status)
		}
		key := strconv.Itoa(resp.Status)
		out, _ := responses[key].(Schema)
		if out == nil {
			desc := resp.Description
			if desc == "" {
				desc = http.StatusText(resp.Status)
			}
			out = Schema{"description": desc}
			responses[key] = out
		} else if resp.Description != "" && out["description"] == http.StatusText(resp.Status) {
			out["description"] = resp.Description
		}
		ct := resp.ContentType
		if ct == "" && resp.Type != nil {
			ct = "application/json"
		}
		if ct != "" {
			content, _ := out["content"].(Schema)
			if content == nil {
				content = Schema{}
				out["content"] = content
			}
			media := Schema{}
			switch {
			case resp.Type != nil:
				media["schema"] = r.of(resp.Type)
			case strings.HasPrefix(ct, "text/"):
				media["schema"] = Schema{"type": "string"}
			default:
				media["schema"] = Schema{"contentMediaType": ct}
			}
			if prev, dup := content[ct].(Schema); dup {
				// Two bodies of one status and content type: either.
				if resp.Type == nil {
					return nil, fmt.Errorf("status %d: content type %s is declared twice", resp.Status, ct)
				}
				ps := prev["schema"].(Schema)
				if alts, ok := ps["anyOf"].([]any); ok && len(ps) == 1 {
					media["schema"] = Schema{"anyOf": append(alts, media["schema"])}
				} else {
					media["schema"] = Schema{"anyOf": []any{ps, media["schema"]}}
				}
			}
			content[ct] = media
		}
		if len(resp.Headers) > 0 {
			headers, _ := out["headers"].(Schema)
			if headers == nil {
				headers = Schema{}
				out["headers"] = headers
			}
			for _, h := range resp.Headers {
				def, ok := knownHeaders[h]
				if !ok {
					def = Schema{"schema": Schema{"type": "string"}}
				}
				hd := Schema{"required": true}
				for k, v := range def {
					hd[k] = v
				}
				headers[h] = hd
			}
		}
	}
	o["responses"] = responses
	return o, nil
}
