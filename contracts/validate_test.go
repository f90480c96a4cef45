package contracts

import (
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

const idBase = "https://registrar.example/contracts/events/"

var eventTypeName = regexp.MustCompile(`^[a-z]+\.[a-z]+(-[a-z]+)*\.v[1-9][0-9]*$`)

// TestEverySchemaIsAClosedVersionedContract reads each events/*.schema.json as plain JSON
// and checks what the compiler does not: names, ids, closed objects, no personal fields.
func TestEverySchemaIsAClosedVersionedContract(t *testing.T) {
	files, err := fs.Glob(Events, "events/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no event schemas embedded")
	}
	for _, f := range files {
		name := path.Base(f)
		t.Run(name, func(t *testing.T) {
			typ, ok := strings.CutSuffix(name, schemaSuffix)
			if !ok || !eventTypeName.MatchString(typ) {
				t.Fatalf("file name %q is not <entity>.<fact>.v<N>%s", name, schemaSuffix)
			}
			b, err := fs.ReadFile(Events, f)
			if err != nil {
				t.Fatal(err)
			}
			var s map[string]any
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if got := s["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
				t.Errorf("$schema = %v, want JSON Schema 2020-12", got)
			}
			if got := s["$id"]; got != idBase+name {
				t.Errorf("$id = %v, want %s", got, idBase+name)
			}
			if got := s["title"]; got != typ {
				t.Errorf("title = %v, want the event type %s", got, typ)
			}
			if got := s["type"]; got != "object" {
				t.Errorf("type = %v, want object", got)
			}
			if got, ok := s["additionalProperties"].(bool); !ok || got {
				t.Errorf("additionalProperties = %v at the top level, want false", s["additionalProperties"])
			}
			if _, ok := s["properties"].(map[string]any)["aggregateVersion"]; !ok {
				t.Error("no aggregateVersion property: consumers need it to ignore stale events")
			}
			for _, p := range schemaProblems(s, "#") {
				t.Error(p)
			}
		})
	}
}

// schemaProblems walks a schema and reports every object schema that declares properties
// but stays open, lists a required property it does not declare, or declares a property
// named like personal data.
func schemaProblems(v any, at string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		if props, ok := v["properties"].(map[string]any); ok {
			if ap, ok := v["additionalProperties"].(bool); !ok || ap {
				out = append(out, at+": declares properties but not additionalProperties: false")
			}
			required, _ := v["required"].([]any)
			for _, r := range required {
				if _, ok := props[r.(string)]; !ok {
					out = append(out, at+": requires undeclared property "+r.(string))
				}
			}
			for name := range props {
				if isPersonalField(name) {
					out = append(out, at+"/properties/"+name+": personal data has no place in an event")
				}
			}
		}
		for k, e := range v {
			out = append(out, schemaProblems(e, at+"/"+k)...)
		}
	case []any:
		for i, e := range v {
			out = append(out, schemaProblems(e, at+"/"+strconv.Itoa(i))...)
		}
	}
	return out
}

func TestEverySchemaCompiles(t *testing.T) {
	types, err := EventTypes()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(Events, "events/*")
	if len(types) != len(files) {
		t.Fatalf("%d schemas compiled from %d files", len(types), len(files))
	}
}

func TestCompileRefusesABrokenSchema(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":     `{"$id": "` + idBase + `x.y.v1.schema.json",`,
		"no $id":       `{"type": "object"}`,
		"bad keyword":  `{"$id": "` + idBase + `x.y.v1.schema.json", "type": "objekt"}`,
		"bad pattern":  `{"$id": "` + idBase + `x.y.v1.schema.json", "properties": {"a": {"pattern": "("}}}`,
		"dangling ref": `{"$id": "` + idBase + `x.y.v1.schema.json", "$ref": "#/$defs/nothing"}`,
	} {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{"events/x.y.v1.schema.json": {Data: []byte(body)}}
			if _, err := compileEvents(fsys); err == nil {
				t.Fatal("compiled")
			}
		})
	}
}

const (
	uuidA = "0190f3c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d"
	uuidB = "0190f3c2-7d1e-7a3b-9c4d-5e6f7a8b9c0e"
	when  = "2026-09-01T08:00:00Z"
)

// validSamples holds a well-formed data document per event type (the end-to-end contract
// test checks every type the platform really publishes).
var validSamples = map[string]string{
	"student.created.v1": `{"studentId":"` + uuidA + `","programme":"CS","yearOfStudy":1,"aggregateVersion":1,"occurredAt":"` + when + `"}`,
	"student.updated.v1": `{"studentId":"` + uuidA + `","programme":"CS","yearOfStudy":2,"aggregateVersion":2,"occurredAt":"` + when + `"}`,
	"student.history-recorded.v1": `{"studentId":"` + uuidA + `","moduleCode":"CS101","grade":"B","term":"2025-AUT",` +
		`"credits":15,"aggregateVersion":3,"occurredAt":"` + when + `"}`,
	"student.hold-placed.v1": `{"studentId":"` + uuidA + `","holdId":"` + uuidB + `","kind":"blocking","aggregateVersion":4,"occurredAt":"` + when + `"}`,
	"student.hold-lifted.v1": `{"studentId":"` + uuidA + `","holdId":"` + uuidB + `","kind":"warning","aggregateVersion":5,"occurredAt":"` + when + `"}`,
	"user.created.v1":        `{"userId":"` + uuidA + `","role":"student","studentId":"` + uuidB + `","aggregateVersion":1,"occurredAt":"` + when + `"}`,
	"subject.created.v1":     subjectSample(`{"op":"OR","operands":[{"module":"CS101","minGrade":"C"},{"op":"AND","operands":[{"module":"MA101","minGrade":"D"},{"module":"MA102","minGrade":"D"}]}]}`),
	"subject.updated.v1":     subjectSample(`null`),
	"subject.deleted.v1":     `{"code":"CS201","aggregateVersion":2,"occurredAt":"` + when + `"}`,
	"seat.held.v1": `{"sectionId":"` + uuidA + `","seatNo":7,"registrationId":"` + uuidB + `","expiresAt":"2026-09-01T08:10:00Z",` +
		`"aggregateVersion":2,"occurredAt":"` + when + `"}`,
	"seat.confirmed.v1": `{"sectionId":"` + uuidA + `","seatNo":7,"registrationId":"` + uuidB + `","aggregateVersion":3,"occurredAt":"` + when + `"}`,
	"seat.released.v1": `{"sectionId":"` + uuidA + `","seatNo":7,"registrationId":"` + uuidB + `","reason":"expired",` +
		`"aggregateVersion":3,"occurredAt":"` + when + `"}`,
	"section.created.v1": `{"sectionId":"` + uuidA + `","moduleCode":"CS201","semester":"2026-AUT","capacity":40,"lecturerId":"",` +
		`"roomCode":"B-101","timeslots":[{"day":"MON","start":"09:00","end":"09:50"}],"aggregateVersion":1,"occurredAt":"` + when + `"}`,
	"semester.created.v1": `{"code":"2026-AUT","term":"AUTUMN","startsOn":"2026-09-21","endsOn":"2026-12-18",` +
		`"addDropDeadline":"2026-10-10T00:00:00Z","windows":[{"yearOfStudy":1,"opensAt":"2026-09-01T08:00:00Z",` +
		`"closesAt":"2026-09-08T08:00:00Z"}],"aggregateVersion":1,"occurredAt":"` + when + `"}`,
}

func subjectSample(prerequisites string) string {
	return `{"code":"CS201","title":"Algorithms","credits":15,"fee":{"amountMinor":125000,"currency":"GBP"},"level":2,` +
		`"programmes":["CS","SE"],"termsOffered":["AUTUMN"],"prerequisites":` + prerequisites + `,` +
		`"coRequisites":[],"antiRequisites":["CS299"],"aggregateVersion":1,"occurredAt":"` + when + `"}`
}

// with returns sample with its top-level fields changed: a nil value deletes the field.
func with(t *testing.T, sample string, changes map[string]any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(sample), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range changes {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEverySampleHasASchema keeps the samples honest: a sample of a type that has no
// schema (a typo, a renamed event) would only test the unknown-type path.
func TestEverySampleHasASchema(t *testing.T) {
	types, err := EventTypes()
	if err != nil {
		t.Fatal(err)
	}
	for typ := range validSamples {
		if !slices.Contains(types, typ) {
			t.Errorf("sample for %s, which has no schema", typ)
		}
	}
}

func TestValidate(t *testing.T) {
	for typ, data := range validSamples {
		t.Run("valid "+typ, func(t *testing.T) {
			if err := Validate(typ, []byte(data)); err != nil {
				t.Fatal(err)
			}
		})
	}
	student := validSamples["student.created.v1"]
	subject := validSamples["subject.created.v1"]
	user := validSamples["user.created.v1"]
	malformed := []struct {
		name, typ, data string
		want            []error
		mentions        string
	}{
		{"unknown type", "student.enrolled.v1", student, []error{ErrUnknownEventType}, "student.enrolled.v1"},
		{"unversioned type", "student.created", student, []error{ErrUnknownEventType}, ""},
		{"not JSON", "student.created.v1", `{"studentId":`, []error{ErrNotJSON}, ""},
		{"not an object", "student.created.v1", `[]`, []error{ErrSchema}, ""},
		{"empty object", "student.created.v1", `{}`, []error{ErrSchema}, "missing properties"},
		{"missing required", "student.created.v1", with(t, student, map[string]any{"programme": nil}), []error{ErrSchema}, "programme"},
		{"unknown field", "student.created.v1", with(t, student, map[string]any{"nickname": "x"}), []error{ErrSchema}, "nickname"},
		{"email", "student.created.v1", with(t, student, map[string]any{"email": "ada@example.org"}),
			[]error{ErrSchema, ErrPersonalData}, "/email"},
		{"givenName and familyName", "student.updated.v1",
			with(t, validSamples["student.updated.v1"], map[string]any{"givenName": "Ada", "familyName": "Lovelace"}),
			[]error{ErrSchema, ErrPersonalData}, "/familyName, /givenName"},
		{"date_of_birth", "student.created.v1", with(t, student, map[string]any{"date_of_birth": "1815-12-10"}),
			[]error{ErrSchema, ErrPersonalData}, "/date_of_birth"},
		{"phone nested in fee", "subject.created.v1",
			with(t, subject, map[string]any{"fee": map[string]any{"amountMinor": 1, "currency": "GBP", "phone": "+44"}}),
			[]error{ErrSchema, ErrPersonalData}, "/fee/phone"},
		{"not a uuid", "student.created.v1", with(t, student, map[string]any{"studentId": "s2026000"}), []error{ErrSchema}, "uuid"},
		{"not a date-time", "student.created.v1", with(t, student, map[string]any{"occurredAt": "yesterday"}), []error{ErrSchema}, "date-time"},
		{"aggregateVersion 0", "student.created.v1", with(t, student, map[string]any{"aggregateVersion": 0}), []error{ErrSchema}, "aggregateVersion"},
		{"fractional version", "student.created.v1", with(t, student, map[string]any{"aggregateVersion": 1.5}), []error{ErrSchema}, "aggregateVersion"},
		{"year as string", "student.created.v1", with(t, student, map[string]any{"yearOfStudy": "1"}), []error{ErrSchema}, "yearOfStudy"},
		{"unknown role", "user.created.v1", with(t, user, map[string]any{"role": "dean"}), []error{ErrSchema}, "role"},
		{"fee as a float", "subject.created.v1",
			with(t, subject, map[string]any{"fee": map[string]any{"amountMinor": 12.5, "currency": "GBP"}}), []error{ErrSchema}, "amountMinor"},
		{"one-operand AND", "subject.created.v1",
			with(t, subject, map[string]any{"prerequisites": map[string]any{"op": "AND", "operands": []any{map[string]any{"module": "CS101", "minGrade": "C"}}}}),
			[]error{ErrSchema}, "prerequisites"},
		{"deleted at version 1", "subject.deleted.v1", with(t, validSamples["subject.deleted.v1"], map[string]any{"aggregateVersion": 1}),
			[]error{ErrSchema}, "aggregateVersion"},
		{"lecturer neither a uuid nor empty", "section.created.v1",
			with(t, validSamples["section.created.v1"], map[string]any{"lecturerId": "dr-smith"}), []error{ErrSchema}, "lecturerId"},
		{"semester start not a date", "semester.created.v1",
			with(t, validSamples["semester.created.v1"], map[string]any{"startsOn": "21/09/2026"}), []error{ErrSchema}, "startsOn"},
		{"unknown release reason", "seat.released.v1", with(t, validSamples["seat.released.v1"], map[string]any{"reason": "lost"}),
			[]error{ErrSchema}, "reason"},
	}
	for _, c := range malformed {
		t.Run(c.name, func(t *testing.T) {
			err := Validate(c.typ, []byte(c.data))
			if err == nil {
				t.Fatalf("%s %s: accepted", c.typ, c.data)
			}
			for _, w := range c.want {
				if !errors.Is(err, w) {
					t.Errorf("error is not %v: %v", w, err)
				}
			}
			for _, other := range []error{ErrUnknownEventType, ErrNotJSON, ErrSchema, ErrPersonalData} {
				if errors.Is(err, other) && !slices.Contains(c.want, other) {
					t.Errorf("error is also %v: %v", other, err)
				}
			}
			if !strings.Contains(err.Error(), c.mentions) {
				t.Errorf("error does not mention %q: %v", c.mentions, err)
			}
		})
	}
}

// TestPersonalDataGuardHoldsUnderAnOpenSchema proves the guard does not lean on
// additionalProperties: the schema here lets anything through, the guard does not.
func TestPersonalDataGuardHoldsUnderAnOpenSchema(t *testing.T) {
	open := fstest.MapFS{"events/x.opened.v1.schema.json": {Data: []byte(
		`{"$id": "` + idBase + `x.opened.v1.schema.json", "type": "object"}`)}}
	schemas, err := compileEvents(open)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(schemas, "x.opened.v1", []byte(`{"studentId":"`+uuidA+`","note":"fine"}`)); err != nil {
		t.Fatalf("ids only: %v", err)
	}
	for _, c := range []struct{ data, path string }{
		{`{"email":"ada@example.org"}`, "/email"},
		{`{"Phone":"+44 20"}`, "/Phone"},
		{`{"student":{"given_name":"Ada"}}`, "/student/given_name"},
		{`{"people":[{"id":1},{"home-address":"x"}]}`, "/people/1/home-address"},
		{`{"contact":{"dateOfBirth":"1815-12-10","name":"Ada"}}`, "/contact/dateOfBirth, /contact/name"},
		{`{"a/b":{"surname":"Lovelace"}}`, "/a~1b/surname"},
	} {
		err := validate(schemas, "x.opened.v1", []byte(c.data))
		if !errors.Is(err, ErrPersonalData) || errors.Is(err, ErrSchema) {
			t.Errorf("%s: %v, want only the personal-data guard", c.data, err)
			continue
		}
		if !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: %v does not name %s", c.data, err, c.path)
		}
	}
}

func TestIsPersonalField(t *testing.T) {
	for _, name := range []string{"email", "Email", "e-mail", "phone", "phone_number", "name", "givenName", "familyName",
		"given_name", "dateOfBirth", "DOB", "address", "homeAddress"} {
		if !isPersonalField(name) {
			t.Errorf("%s is not personal", name)
		}
	}
	for _, name := range []string{"studentId", "userId", "title", "programme", "code", "role", "moduleCode", "holdId", "nameId"} {
		if isPersonalField(name) {
			t.Errorf("%s is personal", name)
		}
	}
}
