package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/registrar-edu/registrar/apps/registration/domain"
)

// SlotJSON is a timeslot as the schedule service states it.
type SlotJSON struct {
	Day   string `json:"day"`
	Start string `json:"start"`
	End   string `json:"end"`
}

func minutes(clock string) int {
	h, m, _ := strings.Cut(clock, ":")
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	return hh*60 + mm
}

func toSlots(raw []byte) []domain.Slot {
	var in []SlotJSON
	_ = json.Unmarshal(raw, &in)
	out := make([]domain.Slot, 0, len(in))
	for _, s := range in {
		out = append(out, domain.Slot{Day: s.Day, Start: minutes(s.Start), End: minutes(s.End)})
	}
	return out
}

// Eligibility gathers, from the read models, everything domain.Check needs to decide on a
// student's request: no other service is called.
func (a *acceptTx) Eligibility(ctx context.Context, studentID, semester string, sectionIDs []string) (domain.Request, error) {
	tx := a.tx
	req := domain.Request{Modules: map[string]domain.Module{}}

	var windows []byte
	err := tx.QueryRow(ctx, `SELECT code, term, add_drop_deadline, windows FROM rm_semesters WHERE code = $1`, semester).
		Scan(&req.Semester.Code, &req.Semester.Term, &req.Semester.AddDropDeadline, &windows)
	if errors.Is(err, pgx.ErrNoRows) {
		req.Semester.Code = semester // unknown: no window will be open
	} else if err != nil {
		return req, fmt.Errorf("semester: %w", err)
	} else {
		req.Semester.Windows = parseWindows(windows)
	}

	req.Student.ID = studentID
	req.Student.Completed = map[string]string{}
	err = tx.QueryRow(ctx, `SELECT programme, year FROM rm_students WHERE id = $1`, studentID).Scan(&req.Student.Programme, &req.Student.Year)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return req, fmt.Errorf("student: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT module_code, grade FROM rm_completed WHERE student_id = $1`, studentID)
	if err != nil {
		return req, err
	}
	for rows.Next() {
		var m, g string
		if err := rows.Scan(&m, &g); err != nil {
			return req, err
		}
		if cur, ok := req.Student.Completed[m]; !ok || domain.GradeMeets(g, cur) {
			req.Student.Completed[m] = g
		}
	}
	rows.Close()
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM rm_holds WHERE student_id = $1 AND kind = 'blocking' AND NOT lifted`,
		studentID).Scan(&req.Student.BlockingHolds); err != nil {
		return req, err
	}

	sections, err := loadSections(ctx, tx, `id = ANY($1::uuid[])`, sectionIDs)
	if err != nil {
		return req, err
	}
	for _, id := range sectionIDs {
		s, ok := sections[id]
		if !ok {
			s = domain.Section{ID: id}
		}
		req.Sections = append(req.Sections, s)
	}

	rows, err = tx.Query(ctx, `SELECT r.id, r.section_id FROM registrations r WHERE r.student_id = $1 AND r.semester = $2
		AND r.status IN ('PENDING_PAYMENT', 'CONFIRMED', 'WAITLISTED', 'OFFERED')`, studentID, semester)
	if err != nil {
		return req, err
	}
	var takingIDs, takingRegs []string
	for rows.Next() {
		var reg, sec string
		if err := rows.Scan(&reg, &sec); err != nil {
			return req, err
		}
		takingRegs, takingIDs = append(takingRegs, reg), append(takingIDs, sec)
	}
	rows.Close()
	taken, err := loadSections(ctx, tx, `id = ANY($1::uuid[])`, takingIDs)
	if err != nil {
		return req, err
	}

	codes := map[string]bool{}
	for _, s := range sections {
		codes[s.ModuleCode] = true
	}
	for _, s := range taken {
		codes[s.ModuleCode] = true
	}
	if err := loadModules(ctx, tx, codes, req.Modules); err != nil {
		return req, err
	}
	for i, sec := range takingIDs {
		s := taken[sec]
		req.Taking = append(req.Taking, domain.Taking{RegistrationID: takingRegs[i], Section: s, Credits: req.Modules[s.ModuleCode].Credits})
	}

	rows, err = tx.Query(ctx, `SELECT module_code, rule FROM overrides WHERE student_id = $1`, studentID)
	if err != nil {
		return req, err
	}
	for rows.Next() {
		var o domain.Override
		if err := rows.Scan(&o.ModuleCode, &o.Rule); err != nil {
			return req, err
		}
		req.Overrides = append(req.Overrides, o)
	}
	rows.Close()
	return req, rows.Err()
}

func parseWindows(raw []byte) []domain.Window {
	var ws []struct {
		YearOfStudy int    `json:"yearOfStudy"`
		OpensAt     string `json:"opensAt"`
		ClosesAt    string `json:"closesAt"`
	}
	_ = json.Unmarshal(raw, &ws)
	out := make([]domain.Window, 0, len(ws))
	for _, w := range ws {
		o, err1 := parseTime(w.OpensAt)
		c, err2 := parseTime(w.ClosesAt)
		if err1 == nil && err2 == nil {
			out = append(out, domain.Window{Year: w.YearOfStudy, OpensAt: o, ClosesAt: c})
		}
	}
	return out
}

func loadSections(ctx context.Context, tx pgx.Tx, where string, ids []string) (map[string]domain.Section, error) {
	out := map[string]domain.Section{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `SELECT id::text, module_code, semester, lecturer_id, timeslots FROM rm_sections WHERE `+where, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s domain.Section
		var slots []byte
		if err := rows.Scan(&s.ID, &s.ModuleCode, &s.Semester, &s.LecturerID, &slots); err != nil {
			return nil, err
		}
		s.Slots = toSlots(slots)
		out[s.ID] = s
	}
	return out, rows.Err()
}

func loadModules(ctx context.Context, tx pgx.Tx, codes map[string]bool, into map[string]domain.Module) error {
	list := make([]string, 0, len(codes))
	for c := range codes {
		list = append(list, c)
	}
	rows, err := tx.Query(ctx, `SELECT code, credits, fee_minor, currency, terms, prerequisites, corequisites, antirequisites
		FROM rm_modules WHERE code = ANY($1) AND NOT deleted`, list)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m domain.Module
		var pre []byte
		if err := rows.Scan(&m.Code, &m.Credits, &m.Fee.Minor, &m.Fee.Currency, &m.Terms, &pre, &m.CoRequisites, &m.AntiRequisites); err != nil {
			return err
		}
		if len(pre) > 0 && string(pre) != "null" {
			var p domain.Prerequisite
			if err := json.Unmarshal(pre, &p); err == nil {
				m.Prerequisites = &p
			}
		}
		into[m.Code] = m
	}
	return rows.Err()
}
