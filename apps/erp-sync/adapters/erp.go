package adapters

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/registrar-edu/registrar/apps/erp-sync/app"
	"github.com/registrar-edu/registrar/apps/erp-sync/domain"
)

// BindingClient is the part of the Dapr client the ERP adapter uses.
type BindingClient interface {
	InvokeBinding(ctx context.Context, in *dapr.InvokeBindingRequest) (*dapr.BindingEvent, error)
}

// BindingERP writes the legacy ERP through a Dapr MySQL output binding (bindings.mysql):
// the component holds the DSN, the app sends parameterised statements (`exec` with `sql`
// and `params`), never SQL with event data spliced in.
type BindingERP struct {
	Client  func(context.Context) (BindingClient, error)
	Binding string
}

var _ app.ERP = (*BindingERP)(nil)

// Statement is one parameterised SQL statement for the binding.
type Statement struct {
	SQL    string
	Params []any
}

// upsertStudentSQL inserts a student or, for a known one, takes the new values only when
// they come from a newer (or the same) version of the record. MariaDB assigns left to
// right, so SRC_VERSION, which the conditions read, is assigned last. Repeating the same
// row leaves every column, LAST_UPD_TS included, as it was.
var upsertStudentSQL = oneLine(`INSERT INTO STUDENT_MASTER
  (STUDENT_ID, STUDENT_NO, SURNAME, FORENAMES, PROG_CODE, YEAR_OF_STUDY, SRC_VERSION)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE
  STUDENT_NO    = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(STUDENT_NO), STUDENT_NO),
  SURNAME       = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(SURNAME), SURNAME),
  FORENAMES     = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(FORENAMES), FORENAMES),
  PROG_CODE     = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(PROG_CODE), PROG_CODE),
  YEAR_OF_STUDY = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(YEAR_OF_STUDY), YEAR_OF_STUDY),
  SRC_VERSION   = GREATEST(SRC_VERSION, VALUES(SRC_VERSION))`)

// upsertEnrolmentSQL does the same for an enrolment, keyed by the registration id.
var upsertEnrolmentSQL = oneLine(`INSERT INTO ENROLMENT
  (REG_ID, STUDENT_ID, MODULE_CODE, SECTION_ID, ACAD_YEAR, TERM_CODE, FEE_MINOR, CURRENCY_CODE,
   ENROL_STATUS, CONFIRMED_TS, SRC_VERSION)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE
  STUDENT_ID    = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(STUDENT_ID), STUDENT_ID),
  MODULE_CODE   = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(MODULE_CODE), MODULE_CODE),
  SECTION_ID    = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(SECTION_ID), SECTION_ID),
  ACAD_YEAR     = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(ACAD_YEAR), ACAD_YEAR),
  TERM_CODE     = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(TERM_CODE), TERM_CODE),
  FEE_MINOR     = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(FEE_MINOR), FEE_MINOR),
  CURRENCY_CODE = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(CURRENCY_CODE), CURRENCY_CODE),
  ENROL_STATUS  = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(ENROL_STATUS), ENROL_STATUS),
  CONFIRMED_TS  = IF(VALUES(SRC_VERSION) >= SRC_VERSION, VALUES(CONFIRMED_TS), CONFIRMED_TS),
  SRC_VERSION   = GREATEST(SRC_VERSION, VALUES(SRC_VERSION))`)

// oneLine folds a statement onto one line: the binding echoes `sql` back in its response
// metadata, which the sidecar sends as a gRPC header, and a header value cannot hold a
// newline (the statement would run, yet the call fail).
func oneLine(sql string) string { return strings.Join(strings.Fields(sql), " ") }

// erpTime is how DATETIME(6) values are sent: UTC, microseconds, no zone.
const erpTime = "2006-01-02 15:04:05.000000"

// UpsertStudentStatement is the statement that writes s.
func UpsertStudentStatement(s domain.StudentMaster) Statement {
	return Statement{SQL: upsertStudentSQL, Params: []any{s.StudentID, s.StudentNo, s.Surname, s.Forenames, s.ProgCode,
		s.YearOfStudy, s.SrcVersion}}
}

// UpsertEnrolmentStatement is the statement that writes e. The fee travels as a decimal
// string: the binding decodes numeric params as float64, exact only up to 2^53.
func UpsertEnrolmentStatement(e domain.Enrolment) Statement {
	return Statement{SQL: upsertEnrolmentSQL, Params: []any{e.RegID, e.StudentID, e.ModuleCode, e.SectionID, e.AcadYear,
		e.TermCode, strconv.FormatInt(e.FeeMinor, 10), e.Currency, e.Status, e.ConfirmedAt.UTC().Format(erpTime), e.SrcVersion}}
}

// UpsertStudent writes a STUDENT_MASTER row.
func (b *BindingERP) UpsertStudent(ctx context.Context, s domain.StudentMaster) error {
	return b.Exec(ctx, UpsertStudentStatement(s))
}

// UpsertEnrolment writes an ENROLMENT row.
func (b *BindingERP) UpsertEnrolment(ctx context.Context, e domain.Enrolment) error {
	return b.Exec(ctx, UpsertEnrolmentStatement(e))
}

// Exec runs one statement through the binding's exec operation.
func (b *BindingERP) Exec(ctx context.Context, st Statement) error {
	params, err := json.Marshal(st.Params)
	if err != nil {
		return fmt.Errorf("encode params: %w", err)
	}
	c, err := b.Client(ctx)
	if err != nil {
		return err
	}
	_, err = c.InvokeBinding(ctx, &dapr.InvokeBindingRequest{Name: b.Binding, Operation: "exec",
		Metadata: map[string]string{"sql": st.SQL, "params": string(params)}})
	if err != nil {
		return classify(err)
	}
	return nil
}

// refusedData are the MariaDB errors that say the row itself is wrong (a value too long,
// out of range or of the wrong type, a missing value): the same row fails again, so it is
// unmappable rather than transient. Anything else (connection lost, deadlock, lock wait,
// a missing table an operator must create) is worth retrying.
var refusedData = []int{1048, 1264, 1265, 1292, 1364, 1366, 1406, 1452}

var mysqlError = regexp.MustCompile(`Error ([0-9]{4})`)

func classify(err error) error {
	if m := mysqlError.FindStringSubmatch(err.Error()); m != nil {
		code, _ := strconv.Atoi(m[1])
		if slices.Contains(refusedData, code) {
			return fmt.Errorf("%w: the ERP refused the row: %v", domain.ErrUnmappable, err)
		}
	}
	return fmt.Errorf("legacy ERP binding: %w", err)
}
