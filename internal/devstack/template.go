// Package devstack runs Registrar locally without the Dapr CLI: it reads the standard Dapr
// multi-app run template (tye-or-compose/dapr.yaml), starts the control plane (sentry,
// placement, scheduler) with mTLS, then every app with its daprd sidecar, and stops exactly
// what it started. `make run` and the end-to-end tests both use it.
package devstack

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// AppSpec is one app of the run template, in the Dapr CLI's field names.
type AppSpec struct {
	AppID                string            `yaml:"appID"`
	AppDirPath           string            `yaml:"appDirPath"`
	AppPort              int               `yaml:"appPort"`
	AppProtocol          string            `yaml:"appProtocol"`
	AppHealthCheckPath   string            `yaml:"appHealthCheckPath"`
	DaprHTTPPort         int               `yaml:"daprHTTPPort"`
	DaprGRPCPort         int               `yaml:"daprGRPCPort"`
	DaprInternalGRPCPort int               `yaml:"daprInternalGRPCPort"`
	MetricsPort          int               `yaml:"metricsPort"`
	ConfigFilePath       string            `yaml:"configFilePath"`
	ResourcesPaths       []string          `yaml:"resourcesPaths"`
	PlacementHostAddress string            `yaml:"placementHostAddress"`
	SchedulerHostAddress string            `yaml:"schedulerHostAddress"`
	LogLevel             string            `yaml:"logLevel"`
	Command              []string          `yaml:"command"`
	Env                  map[string]string `yaml:"env"`
}

// Template is a Dapr multi-app run file.
type Template struct {
	Version int       `yaml:"version"`
	Common  AppSpec   `yaml:"common"`
	Apps    []AppSpec `yaml:"apps"`
}

// LoadTemplate reads a run template, resolves its relative paths against the file's folder
// (as the Dapr CLI does) and folds the common section into each app.
func LoadTemplate(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Template
	if err := yaml.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if t.Version != 1 {
		return nil, fmt.Errorf("%s: run template version %d is not supported", path, t.Version)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	for i := range t.Apps {
		a := &t.Apps[i]
		if a.AppID == "" || a.AppDirPath == "" {
			return nil, fmt.Errorf("%s: app %d needs appID and appDirPath", path, i)
		}
		a.AppDirPath = abs(a.AppDirPath)
		if a.ConfigFilePath == "" {
			a.ConfigFilePath = t.Common.ConfigFilePath
		}
		a.ConfigFilePath = abs(a.ConfigFilePath)
		if len(a.ResourcesPaths) == 0 {
			a.ResourcesPaths = t.Common.ResourcesPaths
		}
		paths := make([]string, len(a.ResourcesPaths))
		for j, p := range a.ResourcesPaths {
			paths[j] = abs(p)
		}
		a.ResourcesPaths = paths
		if a.LogLevel == "" {
			a.LogLevel = t.Common.LogLevel
		}
		if a.AppHealthCheckPath == "" {
			a.AppHealthCheckPath = t.Common.AppHealthCheckPath
		}
		if a.PlacementHostAddress == "" {
			a.PlacementHostAddress = t.Common.PlacementHostAddress
		}
		if a.SchedulerHostAddress == "" {
			a.SchedulerHostAddress = t.Common.SchedulerHostAddress
		}
		env := maps.Clone(t.Common.Env)
		if env == nil {
			env = map[string]string{}
		}
		maps.Copy(env, a.Env)
		a.Env = env
		if len(a.Command) == 0 {
			a.Command = t.Common.Command
		}
	}
	return &t, nil
}

// App returns the app with the given id.
func (t *Template) App(id string) (*AppSpec, bool) {
	for i := range t.Apps {
		if t.Apps[i].AppID == id {
			return &t.Apps[i], true
		}
	}
	return nil, false
}
