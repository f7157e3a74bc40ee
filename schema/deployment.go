package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// DeploymentDocument is a parsed deployment file whose provider entries are
// not yet merged into their presets.
type DeploymentDocument struct {
	File      string
	Presets   []string          // extra preset folders, made absolute against the file's folder
	Variables map[string]string // values for ${NAME}, looked up before the environment
	Entries   []*Entry          // in file order
}

// Entry is one provider of a deployment file.
type Entry struct {
	ID     string     // the key under providers
	Preset string     // the preset it starts from; empty when declared in full
	Doc    *Document  // the entry's own keys, endpoints normalized
	Key    *yaml.Node // the provider id's node, where missing fields are reported
}

// PresetSource finds a preset by name.
type PresetSource func(name string) (*Document, bool)

// Provider is one resolved provider of a deployment.
type Provider struct {
	ID     string
	Spec   *Spec
	Merged *Document // preset and override merged, variables not expanded
}

var providerID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

var deploymentKeys = []string{"presets", "providers", "variables"}

// LoadDeploymentFile reads and parses a deployment file.
func LoadDeploymentFile(name string) (*DeploymentDocument, error) {
	data, err := ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("schema: cannot read deployment file: %w", err)
	}
	return ParseDeployment(name, data)
}

// ParseDeployment parses a deployment file. The file name is used in errors
// and as the base of relative paths.
func ParseDeployment(file string, data []byte) (*DeploymentDocument, error) {
	doc, err := parse(file, data)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(file)
	out := &DeploymentDocument{File: file}

	var list ErrorList
	var providers *yaml.Node
	for i := 0; i+1 < len(doc.root.Content); i += 2 {
		key, value := doc.root.Content[i], doc.root.Content[i+1]
		switch key.Value {
		case "providers":
			providers = value
		case "presets":
			var dirs []string
			if err := value.Decode(&dirs); err != nil {
				list = append(list, doc.errorAt(value, "presets", "must be a list of folders"))
				continue
			}
			for _, d := range dirs {
				if !filepath.IsAbs(d) {
					d = filepath.Join(dir, d)
				}
				out.Presets = append(out.Presets, d)
			}
		case "variables":
			if err := value.Decode(&out.Variables); err != nil || value.Kind != yaml.MappingNode {
				list = append(list, doc.errorAt(value, "variables", "must be a mapping of names to string values"))
				continue
			}
			list = append(list, checkVariables(doc, value)...)
		default:
			list = append(list, doc.errorAt(key, key.Value, unknownKeyMessage(key.Value, deploymentKeys)))
		}
	}
	if providers == nil || isNull(providers) {
		list = append(list, doc.errorAt(doc.root, "providers", "missing; list the providers to sign in with under providers:"))
		return nil, list
	}
	if providers.Kind != yaml.MappingNode {
		list = append(list, doc.errorAt(providers, "providers", "must be a mapping of provider ids to specs"))
		return nil, list
	}
	if len(providers.Content) == 0 {
		list = append(list, doc.errorAt(providers, "providers", "no providers; add at least one provider, such as threads:"))
		return nil, list
	}

	for i := 0; i+1 < len(providers.Content); i += 2 {
		key, value := providers.Content[i], providers.Content[i+1]
		path := "providers." + key.Value
		if !providerID.MatchString(key.Value) {
			list = append(list, doc.errorAt(key, path, fmt.Sprintf("invalid provider id %q; use lowercase letters, digits, - and _ (it appears in URLs)", key.Value)))
			continue
		}
		entryDoc := doc.child(value)
		if isNull(value) {
			value = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: value.Line, Column: value.Column}
			entryDoc.root = value
			entryDoc.origins.files[value] = file
		}
		if value.Kind != yaml.MappingNode {
			list = append(list, doc.errorAt(value, path, "must be a mapping of spec keys"))
			continue
		}

		if err := entryDoc.normalizeSpec(value, path); err != nil {
			list = append(list, Errors(err)...)
			continue
		}
		entry := &Entry{ID: key.Value, Doc: entryDoc, Key: key}
		if p := mappingValue(value, "preset"); p != nil && p.Kind == yaml.ScalarNode {
			if isNull(p) || p.Value == "" {
				list = append(list, doc.errorAt(p, path+".preset", "preset is null or empty; name a preset such as threads, or remove the key"))
				continue
			}
			entry.Preset = p.Value
		}
		out.Entries = append(out.Entries, entry)
	}
	if err := errorsOrNil(list); err != nil {
		return nil, err
	}
	return out, nil
}

// checkVariables rejects references in the values of variables:, which
// are used as they are written.
func checkVariables(doc *Document, variables *yaml.Node) ErrorList {
	var list ErrorList
	for i := 0; i+1 < len(variables.Content); i += 2 {
		key, value := variables.Content[i], variables.Content[i+1]
		if strings.Contains(value.Value, "${") {
			list = append(list, doc.errorAt(value, "variables."+key.Value, "contains ${...}, but variables values are not expanded; write the value itself"))
		}
	}
	return list
}

// Resolve merges each entry into its preset, then expands, decodes and
// validates it. An entry without `preset:` starts from the preset named by
// its key if there is one, and is declared in full otherwise. The error
// lists the problems of every provider.
func (dd *DeploymentDocument) Resolve(presets PresetSource, lookup Lookup) ([]*Provider, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	vars := func(name string) (string, bool) {
		if v, ok := dd.Variables[name]; ok {
			return v, true
		}
		return lookup(name)
	}

	var out []*Provider
	var list ErrorList
	for _, entry := range dd.Entries {
		path := "providers." + entry.ID
		merged := entry.Doc
		name := entry.Preset
		if name == "" {
			name = entry.ID
		}
		if preset, ok := presets(name); ok {
			merged = Merge(preset, entry.Doc)
		} else if entry.Preset != "" {
			node := mappingValue(entry.Doc.root, "preset")
			list = append(list, entry.Doc.errorAt(node, path+".preset", fmt.Sprintf("unknown preset %q; run `presetauth presets` to list them", entry.Preset)))
			continue
		}

		spec, err := merged.Resolve(ResolveOptions{Lookup: vars, Dir: filepath.Dir(dd.File), Path: path, Anchor: entry.Key})
		if err != nil {
			list = append(list, Errors(err)...)
			continue
		}
		spec.Preset = entry.Preset
		if spec.Preset == "" && merged != entry.Doc {
			spec.Preset = name
		}
		out = append(out, &Provider{ID: entry.ID, Spec: spec, Merged: merged})
	}
	return out, errorsOrNil(list)
}
