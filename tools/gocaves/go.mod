module registrar.local/tools/gocaves

go 1.26.0

require github.com/couchbaselabs/gocaves v0.0.1

require (
	github.com/couchbase/gocbcore/v9 v9.0.6 // indirect
	github.com/google/uuid v1.1.1 // indirect
)

// scripts/build-gocaves.sh builds in a copy of this folder under $REGISTRAR_HOME, with the
// module's source (prebuild step run, listen patch applied) in ./caves-src.
replace github.com/couchbaselabs/gocaves => ./caves-src
