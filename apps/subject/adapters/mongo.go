// Package adapters implements the subject service's storage on a MongoDB-protocol server
// (MongoDB in production, FerretDB locally) with the official mongo-driver.
//
// The store has no multi-document transactions, so every change is one single-document
// update that also appends the change's event to the document's pendingEvents array; the
// relay (app.Relay through MongoOutbox) publishes and $pulls them.
//
// FerretDB v1, the local server, applies an update as a read followed by an unconditional
// write of the whole document: filters such as {version: n} are not atomic there, and an
// update racing another on the same document can undo it. So every write to a module
// document runs under MongoLock: the app's commands take it (app.CatalogueLock), and so
// does MongoOutbox.Remove. On MongoDB the lock costs one insert and one delete per write.
package adapters

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/registrar-edu/registrar/apps/subject/app"
	"github.com/registrar-edu/registrar/apps/subject/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/mongodb"
)

// Collection names of the catalogue database.
const (
	ModulesCollection    = "modules"
	ProgrammesCollection = "programmes"
	LocksCollection      = "locks"
)

// EnsureIndexes creates the indexes the catalogue's queries use. Idempotent: every start
// runs it. One index per call: FerretDB v1.24 panics (and drops the connection) on a
// createIndexes of several indexes of which more than one exists already.
func EnsureIndexes(ctx context.Context, db *mongo.Database) error {
	for _, field := range []string{"programmes", "level"} {
		_, err := db.Collection(ModulesCollection).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: field, Value: 1}}})
		if err != nil {
			return fmt.Errorf("create module index on %s: %w", field, err)
		}
	}
	return nil
}

type moneyDoc struct {
	AmountMinor int64  `bson:"amountMinor"`
	Currency    string `bson:"currency"`
}

type prerequisiteDoc struct {
	Op       string            `bson:"op,omitempty"`
	Operands []prerequisiteDoc `bson:"operands,omitempty"`
	Module   string            `bson:"module,omitempty"`
	MinGrade string            `bson:"minGrade,omitempty"`
}

type eventDoc struct {
	ID        string    `bson:"id"`
	Topic     string    `bson:"topic"`
	Type      string    `bson:"type"`
	Data      string    `bson:"data"` // the JSON published, byte for byte
	CreatedAt time.Time `bson:"createdAt"`
}

// moduleDoc is a module's document. A change $sets it with Code and PendingEvents left
// empty (omitted), and $pushes its event in the same update.
type moduleDoc struct {
	Code           string           `bson:"_id,omitempty"`
	Title          string           `bson:"title"`
	Credits        int              `bson:"credits"`
	Fee            moneyDoc         `bson:"fee"`
	Level          int              `bson:"level"`
	Programmes     []string         `bson:"programmes"`
	TermsOffered   []string         `bson:"termsOffered"`
	Prerequisites  *prerequisiteDoc `bson:"prerequisites"`
	CoRequisites   []string         `bson:"coRequisites"`
	AntiRequisites []string         `bson:"antiRequisites"`
	// PrerequisiteModules flattens the expression for the graph query (cycle and
	// dependency checks) without decoding every tree.
	PrerequisiteModules []string   `bson:"prerequisiteModules"`
	Version             int        `bson:"version"`
	Deleted             bool       `bson:"deleted"`
	CreatedAt           time.Time  `bson:"createdAt"`
	UpdatedAt           time.Time  `bson:"updatedAt"`
	PendingEvents       []eventDoc `bson:"pendingEvents,omitempty"`
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// toDoc is m's document without _id and pending events (what a change $sets).
func toDoc(m domain.Module) moduleDoc {
	f := moduleDoc{Title: m.Title, Credits: m.Credits, Fee: moneyDoc(m.Fee), Level: m.Level,
		Programmes: orEmpty(m.Programmes), CoRequisites: orEmpty(m.CoRequisites), AntiRequisites: orEmpty(m.AntiRequisites),
		PrerequisiteModules: orEmpty(m.PrerequisiteModules()), TermsOffered: []string{},
		Version: m.Version, Deleted: m.Deleted, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	for _, t := range m.Terms {
		f.TermsOffered = append(f.TermsOffered, string(t))
	}
	if m.Prerequisites != nil {
		p := toPrerequisiteDoc(*m.Prerequisites)
		f.Prerequisites = &p
	}
	return f
}

func toPrerequisiteDoc(p domain.Prerequisite) prerequisiteDoc {
	d := prerequisiteDoc{Op: string(p.Op), Module: p.Module, MinGrade: string(p.MinGrade)}
	for _, o := range p.Operands {
		d.Operands = append(d.Operands, toPrerequisiteDoc(o))
	}
	return d
}

// toModule rebuilds a module from storage. The rules were enforced when it was written, so
// it is not validated again.
func (d moduleDoc) toModule() domain.Module {
	m := domain.Module{Code: d.Code, Title: d.Title, Credits: d.Credits, Fee: domain.Money(d.Fee), Level: d.Level,
		Programmes: d.Programmes, CoRequisites: d.CoRequisites, AntiRequisites: d.AntiRequisites,
		Version: d.Version, Deleted: d.Deleted, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	for _, t := range d.TermsOffered {
		m.Terms = append(m.Terms, domain.Term(t))
	}
	if d.Prerequisites != nil {
		p := d.Prerequisites.toPrerequisite()
		m.Prerequisites = &p
	}
	return m
}

func (d prerequisiteDoc) toPrerequisite() domain.Prerequisite {
	p := domain.Prerequisite{Op: domain.Op(d.Op), Module: d.Module, MinGrade: domain.Grade(d.MinGrade)}
	for _, o := range d.Operands {
		p.Operands = append(p.Operands, o.toPrerequisite())
	}
	return p
}

func toEventDoc(e app.PendingEvent) eventDoc {
	return eventDoc{ID: e.ID, Topic: e.Topic, Type: e.Type, Data: string(e.Data), CreatedAt: e.CreatedAt}
}

// MongoModules stores modules, one document per module code (_id), tombstones included.
type MongoModules struct{ DB *mongo.Database }

var _ app.Modules = (*MongoModules)(nil)

func (s *MongoModules) coll() *mongo.Collection { return s.DB.Collection(ModulesCollection) }

// Find loads one module by code, tombstones included.
func (s *MongoModules) Find(ctx context.Context, code string) (domain.Module, bool, error) {
	var d moduleDoc
	err := s.coll().FindOne(ctx, bson.D{{Key: "_id", Value: code}},
		options.FindOne().SetProjection(bson.D{{Key: "pendingEvents", Value: 0}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return domain.Module{}, false, nil
	}
	if err != nil {
		return domain.Module{}, false, fmt.Errorf("find module %s: %w", code, err)
	}
	return d.toModule(), true, nil
}

// List returns modules matching q, ordered by code; tombstones only when q.IncludeDeleted.
func (s *MongoModules) List(ctx context.Context, q app.ModuleQuery) ([]domain.Module, error) {
	filter := bson.D{}
	if !q.IncludeDeleted {
		filter = append(filter, bson.E{Key: "deleted", Value: false})
	}
	if q.Programme != "" {
		filter = append(filter, bson.E{Key: "programmes", Value: q.Programme})
	}
	if q.Level != 0 {
		filter = append(filter, bson.E{Key: "level", Value: q.Level})
	}
	if q.Term != "" {
		filter = append(filter, bson.E{Key: "termsOffered", Value: string(q.Term)})
	}
	if q.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: q.After}}})
	}
	cur, err := s.coll().Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(q.Limit)).
		SetProjection(bson.D{{Key: "pendingEvents", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("list modules: %w", err)
	}
	var docs []moduleDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list modules: %w", err)
	}
	out := make([]domain.Module, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.toModule())
	}
	return out, nil
}

// Insert stores a new module with its first pending event.
func (s *MongoModules) Insert(ctx context.Context, m domain.Module, ev app.PendingEvent) error {
	doc := toDoc(m)
	doc.Code, doc.PendingEvents = m.Code, []eventDoc{toEventDoc(ev)}
	_, err := s.coll().InsertOne(ctx, doc)
	if mongodb.IsDuplicateKey(err) {
		return &errs.Error{Kind: errs.Conflict, Message: "a module with this code exists already",
			Fields: []errs.FieldError{{Field: "code", Message: "is taken"}}}
	}
	if err != nil {
		return fmt.Errorf("insert module %s: %w", m.Code, err)
	}
	return nil
}

// Replace writes m over the stored module if that is still at prevVersion, and appends ev to
// its pending events, in one single-document update. Callers hold the catalogue lock (see
// the package comment).
func (s *MongoModules) Replace(ctx context.Context, m domain.Module, prevVersion int, ev app.PendingEvent) error {
	res, err := s.coll().UpdateOne(ctx,
		bson.D{{Key: "_id", Value: m.Code}, {Key: "version", Value: prevVersion}},
		bson.D{
			{Key: "$set", Value: toDoc(m)},
			{Key: "$push", Value: bson.D{{Key: "pendingEvents", Value: toEventDoc(ev)}}},
		})
	if err != nil {
		return fmt.Errorf("replace module %s: %w", m.Code, err)
	}
	if res.MatchedCount == 0 {
		return errs.E(errs.Conflict, "module %s changed meanwhile: read it again and retry", m.Code)
	}
	return nil
}

// PrerequisiteGraph maps every live module's code to the codes its prerequisites name.
func (s *MongoModules) PrerequisiteGraph(ctx context.Context) (map[string][]string, error) {
	cur, err := s.coll().Find(ctx, bson.D{{Key: "deleted", Value: false}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "prerequisiteModules", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("prerequisite graph: %w", err)
	}
	var docs []struct {
		Code    string   `bson:"_id"`
		Modules []string `bson:"prerequisiteModules"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("prerequisite graph: %w", err)
	}
	g := make(map[string][]string, len(docs))
	for _, d := range docs {
		g[d.Code] = d.Modules
	}
	return g, nil
}

// MongoOutbox is the relay's view of the modules' pending events. Lock is the lock the
// app's module writes hold (see the package comment).
type MongoOutbox struct {
	DB   *mongo.Database
	Lock *MongoLock
}

var _ app.Outbox = (*MongoOutbox)(nil)

// Pending returns up to limit modules that carry pending events, ordered by code.
func (o *MongoOutbox) Pending(ctx context.Context, limit int) ([]app.PendingDocument, error) {
	cur, err := o.DB.Collection(ModulesCollection).Find(ctx,
		bson.D{{Key: "pendingEvents.0", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).
			SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "pendingEvents", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("pending events: %w", err)
	}
	var docs []struct {
		ID     string     `bson:"_id"`
		Events []eventDoc `bson:"pendingEvents"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("pending events: %w", err)
	}
	out := make([]app.PendingDocument, 0, len(docs))
	for _, d := range docs {
		pd := app.PendingDocument{ID: d.ID}
		for _, e := range d.Events {
			pd.Events = append(pd.Events, app.PendingEvent{ID: e.ID, Topic: e.Topic, Type: e.Type,
				Data: []byte(e.Data), CreatedAt: e.CreatedAt.UTC()})
		}
		out = append(out, pd)
	}
	return out, nil
}

// Remove takes exactly the events with the given ids out of one module's pending events,
// under the catalogue lock so that it never races a module change. It removes the stored
// elements themselves with $pullAll: FerretDB v1's $pull matches whole values only, not
// conditions such as {id: {$in: …}}, and the raw elements match whatever fields they hold.
func (o *MongoOutbox) Remove(ctx context.Context, documentID string, eventIDs []string) error {
	coll := o.DB.Collection(ModulesCollection)
	err := o.Lock.Do(ctx, func(ctx context.Context) error {
		var d struct {
			Events []bson.Raw `bson:"pendingEvents"`
		}
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: documentID}},
			options.FindOne().SetProjection(bson.D{{Key: "pendingEvents", Value: 1}})).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		}
		if err != nil {
			return err
		}
		var published bson.A
		for _, e := range d.Events {
			if id, ok := e.Lookup("id").StringValueOK(); ok && slices.Contains(eventIDs, id) {
				published = append(published, e)
			}
		}
		if len(published) == 0 {
			return nil
		}
		_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: documentID}},
			bson.D{{Key: "$pullAll", Value: bson.D{{Key: "pendingEvents", Value: published}}}})
		return err
	})
	if err != nil {
		return fmt.Errorf("remove published events of %s: %w", documentID, err)
	}
	return nil
}

type programmeDoc struct {
	Code      string    `bson:"_id"`
	Name      string    `bson:"name"`
	Faculty   string    `bson:"faculty"`
	Required  []string  `bson:"required"`
	Electives []string  `bson:"electives"`
	Version   int       `bson:"version"`
	CreatedAt time.Time `bson:"createdAt"`
}

func (d programmeDoc) toProgramme() domain.Programme {
	return domain.Programme{Code: d.Code, Name: d.Name, Faculty: d.Faculty, Required: d.Required,
		Electives: d.Electives, Version: d.Version, CreatedAt: d.CreatedAt.UTC()}
}

// MongoProgrammes stores programmes, one document per programme code (_id).
type MongoProgrammes struct{ DB *mongo.Database }

var _ app.Programmes = (*MongoProgrammes)(nil)

func (s *MongoProgrammes) coll() *mongo.Collection { return s.DB.Collection(ProgrammesCollection) }

// Insert stores a new programme; an existing code is a Conflict.
func (s *MongoProgrammes) Insert(ctx context.Context, p domain.Programme) error {
	_, err := s.coll().InsertOne(ctx, programmeDoc{Code: p.Code, Name: p.Name, Faculty: p.Faculty,
		Required: orEmpty(p.Required), Electives: orEmpty(p.Electives), Version: p.Version, CreatedAt: p.CreatedAt})
	if mongodb.IsDuplicateKey(err) {
		return &errs.Error{Kind: errs.Conflict, Message: "a programme with this code exists already",
			Fields: []errs.FieldError{{Field: "code", Message: "is taken"}}}
	}
	if err != nil {
		return fmt.Errorf("insert programme %s: %w", p.Code, err)
	}
	return nil
}

// Get loads one programme.
func (s *MongoProgrammes) Get(ctx context.Context, code string) (domain.Programme, error) {
	var d programmeDoc
	err := s.coll().FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return domain.Programme{}, app.ErrProgrammeNotFound
	}
	if err != nil {
		return domain.Programme{}, fmt.Errorf("get programme %s: %w", code, err)
	}
	return d.toProgramme(), nil
}

// List returns every programme ordered by code.
func (s *MongoProgrammes) List(ctx context.Context) ([]domain.Programme, error) {
	cur, err := s.coll().Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list programmes: %w", err)
	}
	var docs []programmeDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list programmes: %w", err)
	}
	out := make([]domain.Programme, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.toProgramme())
	}
	return out, nil
}
