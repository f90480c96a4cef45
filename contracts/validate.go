package contracts

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaSuffix names an event's schema file: <type>.schema.json.
const schemaSuffix = ".schema.json"

// The ways an event's data can break its contract; Validate wraps one or more of them.
var (
	// ErrUnknownEventType: no schema is published for the event type.
	ErrUnknownEventType = errors.New("unknown event type")
	// ErrNotJSON: the data is not one JSON document.
	ErrNotJSON = errors.New("event data is not JSON")
	// ErrSchema: the data breaks its type's JSON Schema.
	ErrSchema = errors.New("event data breaks its schema")
	// ErrPersonalData: the data has a field named like personal data. Events carry ids, never
	// personal data (the audit log must not hold what a student may ask to erase); this guard
	// holds even if a schema were ever loosened.
	ErrPersonalData = errors.New("event data carries personal data")
)

// personalFields are property names, folded by foldName, that say "personal data".
var personalFields = map[string]bool{
	"name": true, "fullname": true, "givenname": true, "firstname": true, "familyname": true,
	"lastname": true, "surname": true, "middlename": true, "preferredname": true,
	"email": true, "emailaddress": true, "mail": true,
	"phone": true, "phonenumber": true, "mobile": true, "telephone": true,
	"dateofbirth": true, "dob": true, "birthdate": true, "birthday": true,
	"address": true, "homeaddress": true, "postaladdress": true, "street": true, "postcode": true, "zipcode": true,
	"nationalid": true, "passportnumber": true, "ssn": true,
}

// foldName lowercases a property name and drops separators, so "given_name", "given-name"
// and "givenName" are one name.
func foldName(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.', ' ':
			return -1
		}
		return r
	}, strings.ToLower(s))
}

// isPersonalField reports whether a property name says personal data (email, phone, name,
// givenName, familyName, dateOfBirth, address, …), whatever its case or separators.
func isPersonalField(name string) bool { return personalFields[foldName(name)] }

// compiled holds every embedded event schema, compiled once, keyed by event type.
var compiled = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	return compileEvents(Events)
})

// compileEvents compiles every events/<type>.schema.json of fsys as JSON Schema 2020-12 with
// format assertions on (a uuid or date-time that is not one fails), without network access.
func compileEvents(fsys fs.FS) (map[string]*jsonschema.Schema, error) {
	files, err := fs.Glob(fsys, "events/*"+schemaSuffix)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	ids := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		obj, _ := doc.(map[string]any)
		id, _ := obj["$id"].(string)
		if id == "" {
			return nil, fmt.Errorf("%s: no $id", f)
		}
		if err := c.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		ids[strings.TrimSuffix(path.Base(f), schemaSuffix)] = id
	}
	out := make(map[string]*jsonschema.Schema, len(ids))
	for typ, id := range ids {
		s, err := c.Compile(id)
		if err != nil {
			return nil, fmt.Errorf("compile the schema of %s: %w", typ, err)
		}
		out[typ] = s
	}
	return out, nil
}

// EventTypes lists the event types that have a schema, sorted.
func EventTypes() ([]string, error) {
	m, err := compiled()
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(m)), nil
}

// Validate checks an event's data (the CloudEvent "data", JSON) against the schema of its
// type ("student.created.v1"). It fails for a type without a schema, for data that breaks
// the schema, and, as a second guard besides additionalProperties, for any field named like
// personal data at any depth. Test the returned error with errors.Is against the Err values.
func Validate(eventType string, data []byte) error {
	schemas, err := compiled()
	if err != nil {
		return fmt.Errorf("event schemas: %w", err)
	}
	return validate(schemas, eventType, data)
}

// validate is Validate against a given set of compiled schemas.
func validate(schemas map[string]*jsonschema.Schema, eventType string, data []byte) error {
	s, ok := schemas[eventType]
	if !ok {
		return fmt.Errorf("%w %q: no contracts/events/%s%s", ErrUnknownEventType, eventType, eventType, schemaSuffix)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: %w: %v", eventType, ErrNotJSON, err)
	}
	var errs []error
	if found := personalPaths(doc, ""); len(found) > 0 {
		errs = append(errs, fmt.Errorf("%s: %w: %s", eventType, ErrPersonalData, strings.Join(found, ", ")))
	}
	if err := s.Validate(doc); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w: %v", eventType, ErrSchema, err))
	}
	return errors.Join(errs...)
}

// pointerEscape escapes a property name for a JSON pointer (RFC 6901).
var pointerEscape = strings.NewReplacer("~", "~0", "/", "~1")

// personalPaths returns the JSON pointers of every property in v named like personal data.
func personalPaths(v any, at string) []string {
	var found []string
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			p := at + "/" + pointerEscape.Replace(k)
			if isPersonalField(k) {
				found = append(found, p)
			}
			found = append(found, personalPaths(v[k], p)...)
		}
	case []any:
		for i, e := range v {
			found = append(found, personalPaths(e, fmt.Sprintf("%s/%d", at, i))...)
		}
	}
	return found
}
