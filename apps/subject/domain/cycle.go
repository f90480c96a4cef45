package domain

import "slices"

// FindPrerequisiteCycle reports the cycle that giving module the prerequisites prereqs would
// create in the catalogue's prerequisite graph (module code → the codes its prerequisites
// name), as a path that starts and ends at module ("CS301", "CS201", "CS301"), or nil when
// there is none. The graph is assumed acyclic before the change (every change was checked),
// so any new cycle passes through module.
func FindPrerequisiteCycle(graph map[string][]string, module string, prereqs []string) []string {
	next := func(code string) []string {
		if code == module {
			return prereqs
		}
		return graph[code]
	}
	visited := map[string]bool{}
	path := []string{module}
	var dfs func(code string) bool
	dfs = func(code string) bool {
		// Sorted, so the cycle reported is the same on every run.
		succ := slices.Clone(next(code))
		slices.Sort(succ)
		for _, s := range succ {
			if s == module {
				path = append(path, s)
				return true
			}
			if visited[s] {
				continue
			}
			visited[s] = true
			path = append(path, s)
			if dfs(s) {
				return true
			}
			path = path[:len(path)-1]
		}
		return false
	}
	if dfs(module) {
		return path
	}
	return nil
}
