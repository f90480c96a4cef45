// Package surge is the Registrar load generator: the opening-minute surge on a few hot
// sections, sustained sagas at stepped rates, the limits of the parts underneath (the seat
// gate's Redis operation, a hot-row UPDATE, a bare Dapr invocation and publish), and the
// invariants read straight from the databases and the payment simulator afterwards.
//
// Every figure in a report comes from the run; the package holds no expected numbers.
package surge

import (
	"fmt"
	"io"
	"time"

	"github.com/registrar-edu/registrar/internal/campus"
)

// Config is everything a run needs: where the platform is and what load to offer.
type Config struct {
	// Where the platform listens (127.0.0.1 only).
	GatewayURL        string // the public API
	PaygateURL        string // the payment simulator's admin API
	RegistrationDB    string // the registration app's PostgreSQL database
	ScheduleDB        string // the schedule app's PostgreSQL database
	AdminDB           string // any database of the server, to create and drop the scratch one
	RedisAddr         string // the seat gate's Redis
	RedisDB           int
	InvokeSidecarURL  string // a sidecar whose app may invoke InvokeApp/InvokePath (the gateway's)
	InvokeApp         string
	InvokePath        string
	PublishSidecarURL string // a sidecar in the pub/sub component's scopes (registration's)
	PubSub            string
	// Procs are the processes `make run` started, by name (pid), for CPU and RSS.
	Procs map[string]int
	// ServerNames are server processes found by their command name (all instances summed).
	ServerNames []string

	Campus   campus.Size // the seeded campus, regenerated to know students, modules and sections
	Password string      // the demo password of seeded accounts
	Staff    string      // the registry staff account that creates the bench's sections
	Semester string      // the semester whose registration windows are open

	Students    int           // students in the opening surge
	HotSections int           // sections created for the surge
	HotSeats    int           // seats per hot section
	HotShare    float64       // share of surge students aiming at a hot section
	Window      time.Duration // the surge's arrival window
	Concurrency int           // requests in flight at most
	Duplicates  float64       // share of accepted requests retried with the same Idempotency-Key
	Declines    float64       // share of students whose card declines
	Ineligible  float64       // share of students asking for something they may not take
	Drain       time.Duration // how long to wait for the drain at most

	SagaRates []float64     // offered registrations per second, one step each (empty: skip)
	SagaStep  time.Duration // how long each step offers its rate

	LimitTime        time.Duration // how long each limit is measured
	LimitConcurrency int           // callers per limit

	RunID    string    // names the bench's rooms, lecturers, keys and scratch database
	Seed     uint64    // the random choices of the run
	Progress io.Writer // progress bars and phase lines (nil: quiet)
}

// Check refuses a configuration the run could not honour.
func (c Config) Check() error {
	switch {
	case c.GatewayURL == "" || c.RegistrationDB == "" || c.ScheduleDB == "" || c.AdminDB == "":
		return fmt.Errorf("bench config: the gateway URL and the databases are required")
	case c.Students < 1 || c.HotSections < 1 || c.HotSeats < 1 || c.Concurrency < 1:
		return fmt.Errorf("bench config: students, hot sections, hot seats and concurrency must be at least 1")
	case c.Window <= 0 || c.Drain <= 0:
		return fmt.Errorf("bench config: window and drain timeout must be positive")
	case c.HotShare < 0 || c.HotShare > 1 || c.Duplicates < 0 || c.Duplicates > 1 ||
		c.Declines < 0 || c.Declines > 1 || c.Ineligible < 0 || c.Ineligible > 1:
		return fmt.Errorf("bench config: shares must be between 0 and 1")
	case c.Password == "":
		return fmt.Errorf("bench config: the demo password is required")
	}
	for _, r := range c.SagaRates {
		if r <= 0 {
			return fmt.Errorf("bench config: saga rates must be positive")
		}
	}
	return nil
}
