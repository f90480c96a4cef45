package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode"

	"github.com/go-playground/validator/v10"

	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// DefaultMaxBody is the request body limit when a route sets none.
const DefaultMaxBody = 64 << 10

// Validator checks request DTOs once, at the edge, naming fields by their JSON names.
type Validator struct{ v *validator.Validate }

// NewValidator returns the validator set-up every app shares.
func NewValidator() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	return &Validator{v: v}
}

// Engine exposes the underlying validator so apps can register their own rules.
func (v *Validator) Engine() *validator.Validate { return v.v }

// Decode reads one JSON object from r's body into dst (a pointer to a DTO), refusing unknown
// fields, bodies over maxBytes and trailing data, then validates it. Every problem is an
// errs.Invalid (or TooLarge) naming the fields at fault.
func (v *Validator) Decode(r *http.Request, w http.ResponseWriter, dst any, maxBytes int64) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errs.E(errs.Invalid, "content type must be application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, maxBytes)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err != nil {
			if de := decodeError(err, maxBytes); errs.KindOf(de) == errs.TooLarge {
				return de
			}
		}
		return errs.E(errs.Invalid, "request body must hold a single JSON object")
	}
	return v.Struct(dst)
}

// Struct validates an already decoded DTO.
func (v *Validator) Struct(dst any) error {
	err := v.v.Struct(dst)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return fmt.Errorf("validate: %w", err)
	}
	fields := make([]errs.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		fields = append(fields, errs.FieldError{Field: fieldPath(fe), Message: message(fe)})
	}
	return errs.InvalidFields("the request has invalid fields", fields...)
}

func decodeError(err error, maxBytes int64) error {
	var (
		maxErr  *http.MaxBytesError
		typeErr *json.UnmarshalTypeError
		synErr  *json.SyntaxError
	)
	switch {
	case errors.As(err, &maxErr):
		return errs.E(errs.TooLarge, "request body is larger than %d bytes", maxBytes)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(body)"
		}
		return errs.InvalidFields("the request has fields of the wrong type",
			errs.FieldError{Field: field, Message: "must be " + jsonKind(typeErr.Type)})
	case errors.As(err, &synErr), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.E(errs.Invalid, "request body is not valid JSON")
	case errors.Is(err, io.EOF):
		return errs.E(errs.Invalid, "request body is empty")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.InvalidFields("the request has unknown fields",
			errs.FieldError{Field: name, Message: "is not a known field"})
	default:
		return errs.Wrap(errs.Invalid, err, "request body could not be read")
	}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	default:
		return "an object"
	}
}

// fieldPath turns the validator's namespace ("Req.PersonalFields.email") into the JSON path
// ("email"): it drops the DTO's type name and embedded structs, whose Go names start with a
// capital letter, while JSON names in this API never do.
func fieldPath(fe validator.FieldError) string {
	var keep []string
	segs := strings.Split(fe.Namespace(), ".")
	for _, seg := range segs[1:] {
		if seg != "" && !unicode.IsUpper(rune(seg[0])) {
			keep = append(keep, seg)
		}
	}
	if len(keep) == 0 {
		return fe.Field()
	}
	return strings.Join(keep, ".")
}

func message(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "email":
		return "must be an email address"
	case "uuid", "uuid4":
		return "must be a UUID"
	case "min":
		if k := fe.Kind(); k == reflect.String || k == reflect.Slice {
			return "must have at least " + fe.Param() + " characters or items"
		}
		return "must be at least " + fe.Param()
	case "max":
		if k := fe.Kind(); k == reflect.String || k == reflect.Slice {
			return "must have at most " + fe.Param() + " characters or items"
		}
		return "must be at most " + fe.Param()
	case "gte":
		return "must be at least " + fe.Param()
	case "lte":
		return "must be at most " + fe.Param()
	case "oneof":
		return "must be one of: " + fe.Param()
	case "len":
		return "must have length " + fe.Param()
	case "alphanum":
		return "must contain only letters and digits"
	case "datetime":
		return "must be a date in the form " + fe.Param()
	default:
		return "fails the " + fe.Tag() + " rule"
	}
}
