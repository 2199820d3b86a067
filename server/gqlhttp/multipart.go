package gqlhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

const (
	mediaMultipart = "multipart/form-data"
	// maxMapBytes caps the map part of a multipart request.
	maxMapBytes = 64 << 10
	// PreflightHeader must be present on a multipart request (as graphql-yoga
	// asks): a browser sends a custom header only after a CORS preflight, so
	// no form on another site can post a multipart mutation.
	PreflightHeader = "GraphQL-Preflight"
)

// Uploads are the limits of multipart requests (files). Zero limits
// disable them.
type Uploads struct {
	// MaxBodyBytes caps the whole multipart body (413 above it).
	MaxBodyBytes int64
	// MaxFileBytes caps one file (413 above it).
	MaxFileBytes int64
	// MaxFiles caps the number of files.
	MaxFiles int
}

func (u Uploads) enabled() bool { return u.MaxBodyBytes > 0 && u.MaxFileBytes > 0 && u.MaxFiles > 0 }

// readMultipart reads a request of the GraphQL multipart request spec
// (https://github.com/jaydenseric/graphql-multipart-request-spec): an
// "operations" part with the JSON request whose Upload variables are null,
// a "map" part naming, per file part, the variable paths it fills, and the
// file parts. Files are kept in memory, within the limits. A non-nil error
// comes with the 4xx status to answer.
func (t Transport) readMultipart(w http.ResponseWriter, r *http.Request) (query, operationName, variables, extensions json.RawMessage,
	files map[string][]string, uploads map[string]graphql.Upload, status int, err error) {
	fail := func(status int, format string, args ...any) (json.RawMessage, json.RawMessage, json.RawMessage, json.RawMessage,
		map[string][]string, map[string]graphql.Upload, int, error) {
		return nil, nil, nil, nil, nil, nil, status, fmt.Errorf(format, args...)
	}
	// SECURITY: the CSRF guard of uploads; see PreflightHeader.
	if strings.TrimSpace(r.Header.Get(PreflightHeader)) == "" {
		return fail(http.StatusBadRequest, "a multipart request must carry the %s header", PreflightHeader)
	}
	r.Body = http.MaxBytesReader(w, r.Body, t.Uploads.MaxBodyBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return fail(http.StatusBadRequest, "the multipart body could not be read")
	}
	tooLarge := func(err error) bool {
		var mb *http.MaxBytesError
		return errors.As(err, &mb)
	}
	readPart := func(name string, limit int64) ([]byte, int, error) {
		part, err := mr.NextPart()
		if err != nil {
			if tooLarge(err) {
				return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body larger than %d bytes", t.Uploads.MaxBodyBytes)
			}
			return nil, http.StatusBadRequest, fmt.Errorf("the multipart body must start with the %q part", name)
		}
		defer part.Close()
		if part.FormName() != name {
			return nil, http.StatusBadRequest, fmt.Errorf("the %q part must come first (operations, then map, then the files)", name)
		}
		b, err := io.ReadAll(io.LimitReader(part, limit+1))
		if err != nil {
			if tooLarge(err) {
				return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body larger than %d bytes", t.Uploads.MaxBodyBytes)
			}
			return nil, http.StatusBadRequest, fmt.Errorf("the %q part could not be read", name)
		}
		if int64(len(b)) > limit {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("the %q part is larger than %d bytes", name, limit)
		}
		return b, 0, nil
	}
	jsonLimit := t.MaxBodyBytes
	if jsonLimit <= 0 {
		jsonLimit = defaultMaxBodyLen
	}
	ops, st, err := readPart("operations", jsonLimit)
	if err != nil {
		return fail(st, "%s", err)
	}
	ops = bytes.TrimSpace(ops)
	if len(ops) > 0 && ops[0] == '[' {
		return fail(http.StatusBadRequest, "batched operations are not supported")
	}
	var raw struct{ Query, OperationName, Variables, Extensions json.RawMessage }
	if len(ops) == 0 || ops[0] != '{' || json.Unmarshal(ops, &raw) != nil {
		return fail(http.StatusBadRequest, "the operations part must be a JSON object")
	}
	mapPart, st, err := readPart("map", maxMapBytes)
	if err != nil {
		return fail(st, "%s", err)
	}
	if err := json.Unmarshal(mapPart, &files); err != nil || files == nil {
		return fail(http.StatusBadRequest, "the map part must be a JSON object of file names to lists of variable paths")
	}
	if len(files) > t.Uploads.MaxFiles {
		return fail(http.StatusRequestEntityTooLarge, "at most %d files may be uploaded at once", t.Uploads.MaxFiles)
	}
	uploads = make(map[string]graphql.Upload, len(files))
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if tooLarge(err) {
				return fail(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", t.Uploads.MaxBodyBytes)
			}
			return fail(http.StatusBadRequest, "the multipart body could not be read")
		}
		name := part.FormName()
		if _, ok := files[name]; !ok {
			part.Close()
			return fail(http.StatusBadRequest, "the file part %q is not in the map", name)
		}
		if _, dup := uploads[name]; dup {
			part.Close()
			return fail(http.StatusBadRequest, "the file part %q is sent twice", name)
		}
		b, err := io.ReadAll(io.LimitReader(part, t.Uploads.MaxFileBytes+1))
		part.Close()
		if err != nil {
			if tooLarge(err) {
				return fail(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", t.Uploads.MaxBodyBytes)
			}
			return fail(http.StatusBadRequest, "the file part %q could not be read", name)
		}
		if int64(len(b)) > t.Uploads.MaxFileBytes {
			return fail(http.StatusRequestEntityTooLarge, "the file %q is larger than %d bytes", name, t.Uploads.MaxFileBytes)
		}
		// The client's content type is kept for information only; what
		// an image is, the operations read from its bytes.
		uploads[name] = graphql.Upload{File: bytes.NewReader(b), Filename: part.FileName(), Size: int64(len(b)),
			ContentType: part.Header.Get("Content-Type")}
	}
	for name := range files {
		if _, ok := uploads[name]; !ok {
			return fail(http.StatusBadRequest, "the file part %q named in the map is missing", name)
		}
	}
	return raw.Query, raw.OperationName, raw.Variables, raw.Extensions, files, uploads, 0, nil
}

// placeUploads puts each upload at the variable paths the map names
// ("variables.file", "variables.input.images.0"), where the operations
// hold null.
func placeUploads(p *graphql.RawParams, files map[string][]string, uploads map[string]graphql.Upload) error {
	for name, paths := range files {
		if len(paths) == 0 {
			return fmt.Errorf("the map names no path for the file %q", name)
		}
		for _, path := range paths {
			segs := strings.Split(path, ".")
			if len(segs) < 2 || segs[0] != "variables" {
				return fmt.Errorf("the map path %q must start with variables.", path)
			}
			if p.Variables == nil {
				return fmt.Errorf("the map path %q names no variable", path)
			}
			if err := place(p.Variables, segs[1:], uploads[name], path); err != nil {
				return err
			}
		}
	}
	return nil
}

// place sets the null value at segs under v to u.
func place(v any, segs []string, u graphql.Upload, path string) error {
	missing := fmt.Errorf("the map path %q names no null value of the operations", path)
	last := len(segs) == 1
	switch x := v.(type) {
	case map[string]any:
		child, ok := x[segs[0]]
		if !ok {
			return missing
		}
		if last {
			if child != nil {
				return missing
			}
			x[segs[0]] = u
			return nil
		}
		return place(child, segs[1:], u, path)
	case []any:
		i, err := strconv.Atoi(segs[0])
		if err != nil || i < 0 || i >= len(x) {
			return missing
		}
		if last {
			if x[i] != nil {
				return missing
			}
			x[i] = u
			return nil
		}
		return place(x[i], segs[1:], u, path)
	}
	return missing
}
