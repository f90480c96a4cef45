package adapters_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// schemaProblems checks an event's payload against its JSON Schema in contracts/events and
// returns what breaks it. It understands the keywords the contracts use (type, enum,
// required, properties, additionalProperties: false, items, $ref into $defs, oneOf, bounds,
// pattern and the formats uuid, date and date-time), which is enough to catch a payload
// that drifts from its contract, nested objects included.
func schemaProblems(t *testing.T, eventType string, payload []byte) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "contracts", "events", eventType+".schema.json"))
	if err != nil {
		t.Fatalf("no contract for %s: %v", eventType, err)
	}
	var root, doc any
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatalf("contract of %s: %v", eventType, err)
	}
	if err := json.Unmarshal(payload, &doc); err != nil {
		t.Fatalf("payload of %s: %v", eventType, err)
	}
	return conform(root.(map[string]any), root.(map[string]any), doc, "")
}

func conform(root, s map[string]any, v any, at string) []string {
	var out []string
	bad := func(format string, args ...any) {
		out = append(out, fmt.Sprintf("%s: ", at+"/")+fmt.Sprintf(format, args...))
	}
	if ref, ok := s["$ref"].(string); ok {
		name, _ := strings.CutPrefix(ref, "#/$defs/")
		def, ok := root["$defs"].(map[string]any)[name].(map[string]any)
		if !ok {
			bad("unresolvable $ref %s", ref)
			return out
		}
		out = append(out, conform(root, def, v, at)...)
	}
	if alts, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, a := range alts {
			if len(conform(root, a.(map[string]any), v, at)) == 0 {
				n++
			}
		}
		if n != 1 {
			bad("matches %d of the oneOf alternatives, want exactly 1: %v", n, v)
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		bad("%v is not one of %v", v, enum)
	}
	if typ, ok := s["type"].(string); ok && !hasType(v, typ) {
		bad("%v is not of type %s", v, typ)
		return out
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asSlice(s["required"]) {
			if _, ok := v[r.(string)]; !ok {
				bad("lacks required %s", r)
			}
		}
		for k, x := range v {
			p, ok := props[k].(map[string]any)
			if !ok {
				if ap, isBool := s["additionalProperties"].(bool); isBool && !ap {
					bad("carries %s, which the contract does not allow", k)
				}
				continue
			}
			out = append(out, conform(root, p, x, at+"/"+k)...)
		}
	case []any:
		if n, ok := s["minItems"].(float64); ok && float64(len(v)) < n {
			bad("has %d items, fewer than %v", len(v), n)
		}
		if n, ok := s["maxItems"].(float64); ok && float64(len(v)) > n {
			bad("has %d items, more than %v", len(v), n)
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, x := range v {
				out = append(out, conform(root, items, x, fmt.Sprintf("%s/%d", at, i))...)
			}
		}
	case float64:
		if n, ok := s["minimum"].(float64); ok && v < n {
			bad("%v is below %v", v, n)
		}
		if n, ok := s["maximum"].(float64); ok && v > n {
			bad("%v is above %v", v, n)
		}
	case string:
		if n, ok := s["minLength"].(float64); ok && float64(len(v)) < n {
			bad("%q is shorter than %v", v, n)
		}
		if n, ok := s["maxLength"].(float64); ok && float64(len(v)) > n {
			bad("%q is longer than %v", v, n)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v) {
			bad("%q does not match %s", v, p)
		}
		var err error
		switch s["format"] {
		case "uuid":
			_, err = uuid.Parse(v)
		case "date":
			_, err = time.Parse(time.DateOnly, v)
		case "date-time":
			_, err = time.Parse(time.RFC3339Nano, v)
		}
		if err != nil {
			bad("%q is not a %s", v, s["format"])
		}
	}
	return out
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case "number":
		_, ok := v.(float64)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

// The checker itself must refuse what the contracts refuse, or the event tests prove nothing.
func TestSchemaCheckerRefusesBrokenPayloads(t *testing.T) {
	good := `{"sectionId":"0190f3c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d","moduleCode":"CS101","semester":"2026-AUT","capacity":30,
		"lecturerId":"","roomCode":"ENG-101","timeslots":[{"day":"MON","start":"09:00","end":"09:50"}],
		"aggregateVersion":1,"occurredAt":"2026-09-01T08:00:00Z"}`
	if p := schemaProblems(t, "section.created.v1", []byte(good)); len(p) > 0 {
		t.Fatalf("a good payload refused: %v", p)
	}
	for name, change := range map[string]func(m map[string]any){
		"missing field":     func(m map[string]any) { delete(m, "roomCode") },
		"extra field":       func(m map[string]any) { m["seats"] = 3 },
		"nested extra":      func(m map[string]any) { m["timeslots"].([]any)[0].(map[string]any)["room"] = "x" },
		"bad day":           func(m map[string]any) { m["timeslots"].([]any)[0].(map[string]any)["day"] = "SAT" },
		"no timeslots":      func(m map[string]any) { m["timeslots"] = []any{} },
		"lecturer not uuid": func(m map[string]any) { m["lecturerId"] = "grace" },
		"version 0":         func(m map[string]any) { m["aggregateVersion"] = 0 },
		"capacity float":    func(m map[string]any) { m["capacity"] = 1.5 },
		"bad occurredAt":    func(m map[string]any) { m["occurredAt"] = "yesterday" },
	} {
		var m map[string]any
		_ = json.Unmarshal([]byte(good), &m)
		change(m)
		b, _ := json.Marshal(m)
		if p := schemaProblems(t, "section.created.v1", b); len(p) == 0 {
			t.Errorf("%s: accepted %s", name, b)
		}
	}
}
