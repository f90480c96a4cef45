package domain

import "fmt"

// Grade is a letter grade, A (best) to F (fail).
type Grade string

// The letter grades, best first.
const (
	GradeA Grade = "A"
	GradeB Grade = "B"
	GradeC Grade = "C"
	GradeD Grade = "D"
	GradeE Grade = "E"
	GradeF Grade = "F"
)

// gradePoints maps grades to points so that "at least C" is a comparison of numbers.
var gradePoints = map[Grade]int{GradeA: 5, GradeB: 4, GradeC: 3, GradeD: 2, GradeE: 1, GradeF: 0}

// ParseGrade accepts one of A, B, C, D, E, F.
func ParseGrade(s string) (Grade, error) {
	g := Grade(s)
	if _, ok := gradePoints[g]; !ok {
		return "", fmt.Errorf("grade %q is not one of A, B, C, D, E, F", s)
	}
	return g, nil
}

// Points is the grade's value on the catalogue's scale: A = 5 down to F = 0.
func (g Grade) Points() int { return gradePoints[g] }

// AtLeast reports whether g meets the minimum grade min.
func (g Grade) AtLeast(min Grade) bool {
	p, ok := gradePoints[g]
	return ok && p >= gradePoints[min]
}
