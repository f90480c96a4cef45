// Package ports adapts HTTP requests to the subject service's commands and queries.
package ports

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/registrar-edu/registrar/apps/subject/app"
	"github.com/registrar-edu/registrar/apps/subject/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
	"github.com/registrar-edu/registrar/internal/platform/page"
)

// HTTP serves the catalogue API.
type HTTP struct {
	Service   *app.Service
	Validator *httpx.Validator
	Log       *slog.Logger
}

// MaxBody is the largest catalogue request accepted.
const MaxBody = 64 << 10

// MoneyBody is an amount in integer minor units of a currency.
type MoneyBody struct {
	AmountMinor *int64 `json:"amountMinor" validate:"required,gte=0"`
	Currency    string `json:"currency" validate:"required,len=3,alpha"`
}

// PrerequisiteBody is a node of a prerequisite expression: {op, operands} or
// {module, minGrade}.
type PrerequisiteBody struct {
	Op       string             `json:"op,omitempty" validate:"omitempty,oneof=AND OR"`
	Operands []PrerequisiteBody `json:"operands,omitempty" validate:"omitempty,max=10,dive"`
	Module   string             `json:"module,omitempty" validate:"omitempty,alphanum,min=5,max=9"`
	MinGrade string             `json:"minGrade,omitempty" validate:"omitempty,oneof=A B C D E F"`
}

// ModuleBody is the body of POST /api/v1/subjects (code required) and
// PUT /api/v1/subjects/{code} (code optional, and then equal to the path's).
type ModuleBody struct {
	Code           string            `json:"code" validate:"omitempty,alphanum,min=5,max=9"`
	Title          string            `json:"title" validate:"required,max=200"`
	Credits        int               `json:"credits" validate:"required,gte=1,lte=120"`
	Fee            *MoneyBody        `json:"fee" validate:"required"`
	Level          int               `json:"level" validate:"required,gte=1,lte=7"`
	Programmes     []string          `json:"programmes" validate:"max=20,dive,alphanum,max=16"`
	TermsOffered   []string          `json:"termsOffered" validate:"required,min=1,max=3,dive,oneof=AUTUMN SPRING SUMMER"`
	Prerequisites  *PrerequisiteBody `json:"prerequisites"`
	CoRequisites   []string          `json:"coRequisites" validate:"max=20,dive,alphanum,min=5,max=9"`
	AntiRequisites []string          `json:"antiRequisites" validate:"max=20,dive,alphanum,min=5,max=9"`
}

func (b ModuleBody) spec() domain.ModuleSpec {
	s := domain.ModuleSpec{Code: b.Code, Title: b.Title, Credits: b.Credits, Level: b.Level,
		Fee: domain.Money{AmountMinor: *b.Fee.AmountMinor, Currency: b.Fee.Currency}, Programmes: b.Programmes,
		CoRequisites: b.CoRequisites, AntiRequisites: b.AntiRequisites}
	for _, t := range b.TermsOffered {
		s.Terms = append(s.Terms, domain.Term(t))
	}
	if b.Prerequisites != nil {
		p := b.Prerequisites.prerequisite()
		s.Prerequisites = &p
	}
	return s
}

func (b PrerequisiteBody) prerequisite() domain.Prerequisite {
	p := domain.Prerequisite{Op: domain.Op(b.Op), Module: b.Module, MinGrade: domain.Grade(b.MinGrade)}
	for _, o := range b.Operands {
		p.Operands = append(p.Operands, o.prerequisite())
	}
	return p
}

// ModuleResponse is a module as the API shows it.
type ModuleResponse struct {
	Code           string            `json:"code"`
	Title          string            `json:"title"`
	Credits        int               `json:"credits"`
	Fee            MoneyBody         `json:"fee"`
	Level          int               `json:"level"`
	Programmes     []string          `json:"programmes"`
	TermsOffered   []domain.Term     `json:"termsOffered"`
	Prerequisites  *PrerequisiteBody `json:"prerequisites"`
	CoRequisites   []string          `json:"coRequisites"`
	AntiRequisites []string          `json:"antiRequisites"`
	Version        int               `json:"version"`
	CreatedAt      time.Time         `json:"createdAt"`
	UpdatedAt      time.Time         `json:"updatedAt"`
}

func toModuleResponse(m domain.Module) ModuleResponse {
	amount := m.Fee.AmountMinor
	r := ModuleResponse{Code: m.Code, Title: m.Title, Credits: m.Credits,
		Fee: MoneyBody{AmountMinor: &amount, Currency: m.Fee.Currency}, Level: m.Level,
		Programmes: orEmpty(m.Programmes), TermsOffered: orEmpty(m.Terms), CoRequisites: orEmpty(m.CoRequisites),
		AntiRequisites: orEmpty(m.AntiRequisites), Version: m.Version, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	if m.Prerequisites != nil {
		p := toPrerequisiteBody(*m.Prerequisites)
		r.Prerequisites = &p
	}
	return r
}

func toPrerequisiteBody(p domain.Prerequisite) PrerequisiteBody {
	b := PrerequisiteBody{Op: string(p.Op), Module: p.Module, MinGrade: string(p.MinGrade)}
	for _, o := range p.Operands {
		b.Operands = append(b.Operands, toPrerequisiteBody(o))
	}
	return b
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// CreateModule handles POST /api/v1/subjects.
func (h *HTTP) CreateModule(w http.ResponseWriter, r *http.Request) {
	var req ModuleBody
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	if req.Code == "" {
		httpx.WriteError(w, r, h.Log, errs.InvalidFields("the request has invalid fields",
			errs.FieldError{Field: "code", Message: "is required"}))
		return
	}
	m, err := h.Service.CreateModule(r.Context(), req.spec())
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/subjects/"+m.Code)
	httpx.WriteJSON(w, http.StatusCreated, toModuleResponse(m))
}

// UpdateModule handles PUT /api/v1/subjects/{code}: the body replaces the module's facts.
func (h *HTTP) UpdateModule(w http.ResponseWriter, r *http.Request) {
	code := mux.Vars(r)["code"]
	var req ModuleBody
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	if c, _ := domain.NormaliseModuleCode(req.Code); req.Code != "" {
		if p, _ := domain.NormaliseModuleCode(code); c != p {
			httpx.WriteError(w, r, h.Log, errs.InvalidFields("the request has invalid fields",
				errs.FieldError{Field: "code", Message: "must match the code in the path (codes never change)"}))
			return
		}
	}
	m, err := h.Service.UpdateModule(r.Context(), code, req.spec())
	httpx.Respond(w, r, h.Log, http.StatusOK, toModuleResponse(m), err)
}

// DeleteModule handles DELETE /api/v1/subjects/{code}.
func (h *HTTP) DeleteModule(w http.ResponseWriter, r *http.Request) {
	if err := h.Service.DeleteModule(r.Context(), mux.Vars(r)["code"]); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// GetModule handles GET /api/v1/subjects/{code}.
func (h *HTTP) GetModule(w http.ResponseWriter, r *http.Request) {
	m, err := h.Service.GetModule(r.Context(), mux.Vars(r)["code"])
	httpx.Respond(w, r, h.Log, http.StatusOK, toModuleResponse(m), err)
}

// ListModules handles GET /api/v1/subjects?programme=&level=&term=&after=&limit=.
func (h *HTTP) ListModules(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	query := app.ModuleQuery{Programme: q.Get("programme"), Term: domain.Term(q.Get("term")), After: q.Get("after")}
	var bad []errs.FieldError
	for name, dst := range map[string]*int{"level": &query.Level, "limit": &query.Limit} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				bad = append(bad, errs.FieldError{Field: name, Message: "must be an integer"})
			}
			*dst = n
		}
	}
	if len(bad) > 0 {
		httpx.WriteError(w, r, h.Log, errs.InvalidFields("the query has invalid parameters", bad...))
		return
	}
	list, err := h.Service.ListModules(r.Context(), query)
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	out := make([]ModuleResponse, 0, len(list))
	for _, m := range list {
		out = append(out, toModuleResponse(m))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// ProgrammeBody is the body of POST /api/v1/programmes.
type ProgrammeBody struct {
	Code      string   `json:"code" validate:"required,alphanum,max=16"`
	Name      string   `json:"name" validate:"required,max=200"`
	Faculty   string   `json:"faculty" validate:"required,max=200"`
	Required  []string `json:"required" validate:"max=200,dive,alphanum,min=5,max=9"`
	Electives []string `json:"electives" validate:"max=200,dive,alphanum,min=5,max=9"`
}

// ProgrammeResponse is a programme as the API shows it.
type ProgrammeResponse struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Faculty   string    `json:"faculty"`
	Required  []string  `json:"required"`
	Electives []string  `json:"electives"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
}

func toProgrammeResponse(p domain.Programme) ProgrammeResponse {
	return ProgrammeResponse{Code: p.Code, Name: p.Name, Faculty: p.Faculty, Required: orEmpty(p.Required),
		Electives: orEmpty(p.Electives), Version: p.Version, CreatedAt: p.CreatedAt}
}

// CreateProgramme handles POST /api/v1/programmes.
func (h *HTTP) CreateProgramme(w http.ResponseWriter, r *http.Request) {
	var req ProgrammeBody
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	p, err := h.Service.CreateProgramme(r.Context(), domain.ProgrammeSpec(req))
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/programmes/"+p.Code)
	httpx.WriteJSON(w, http.StatusCreated, toProgrammeResponse(p))
}

// GetProgramme handles GET /api/v1/programmes/{code}.
func (h *HTTP) GetProgramme(w http.ResponseWriter, r *http.Request) {
	p, err := h.Service.GetProgramme(r.Context(), mux.Vars(r)["code"])
	httpx.Respond(w, r, h.Log, http.StatusOK, toProgrammeResponse(p), err)
}

// ListProgrammes handles GET /api/v1/programmes.
func (h *HTTP) ListProgrammes(w http.ResponseWriter, r *http.Request) {
	list, err := h.Service.ListProgrammes(r.Context())
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	out := make([]ProgrammeResponse, 0, len(list))
	for _, p := range list {
		out = append(out, toProgrammeResponse(p))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// ModuleReadModel is one item of GET /internal/v1/read-model/modules: a module as the
// registration app's read model keeps it. Prerequisites has the public API's tree shape (or
// null); a tombstone (deleted: true) keeps its last facts and tells the consumer to drop it.
type ModuleReadModel struct {
	Code           string            `json:"code"`
	Title          string            `json:"title"`
	Credits        int               `json:"credits"`
	Fee            MoneyBody         `json:"fee"`
	Level          int               `json:"level"`
	Programmes     []string          `json:"programmes"`
	TermsOffered   []domain.Term     `json:"termsOffered"`
	Prerequisites  *PrerequisiteBody `json:"prerequisites"`
	CoRequisites   []string          `json:"coRequisites"`
	AntiRequisites []string          `json:"antiRequisites"`
	Version        int               `json:"version"`
	Deleted        bool              `json:"deleted"`
}

func toModuleReadModel(m domain.Module) ModuleReadModel {
	r := toModuleResponse(m)
	return ModuleReadModel{Code: r.Code, Title: r.Title, Credits: r.Credits, Fee: r.Fee, Level: r.Level,
		Programmes: r.Programmes, TermsOffered: r.TermsOffered, Prerequisites: r.Prerequisites,
		CoRequisites: r.CoRequisites, AntiRequisites: r.AntiRequisites, Version: r.Version, Deleted: m.Deleted}
}

// ReadModelModules handles GET /internal/v1/read-model/modules?after=&limit=: every module,
// tombstones included, ordered by code, {items, next}; next is "" on the last page.
func (h *HTTP) ReadModelModules(w http.ResponseWriter, r *http.Request) {
	req, err := page.Parse(r.URL.Query())
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	p, err := h.Service.ModuleFeed(r.Context(), req)
	httpx.Respond(w, r, h.Log, http.StatusOK, page.Map(p, toModuleReadModel), err)
}
