package schema

import (
	"bytes"
	_ "embed"
)

// The JSON Schema files are generated from the Go types and their doc
// comments by the generator in jsonschema_test.go; TestJSONSchemaUpToDate
// fails when they differ from what the types give.
//
//go:generate go test -run ^TestJSONSchemaUpToDate$ -update .

//go:embed presetauth.schema.json
var deploymentJSONSchema []byte

//go:embed preset.schema.json
var presetJSONSchema []byte

// DeploymentJSONSchema returns the JSON Schema (draft 2020-12) of a
// deployment file, for editor completion and checks. It covers the keys
// and the forms of values. Rules that span fields or need the merged spec,
// such as a required client_id, are checked by [DeploymentDocument.Resolve]
// only.
func DeploymentJSONSchema() []byte { return bytes.Clone(deploymentJSONSchema) }

// PresetJSONSchema returns the JSON Schema (draft 2020-12) of a preset
// file: one provider [Spec].
func PresetJSONSchema() []byte { return bytes.Clone(presetJSONSchema) }
