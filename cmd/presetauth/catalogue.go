package main

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/presets"
	"github.com/presetauth/presetauth/schema"
	"gopkg.in/yaml.v3"
)

func runPresets(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("presets", stdout, stderr)
	dir := fs.String("dir", "", "folder of extra preset files to list as well")
	markdown := fs.Bool("markdown", false, "print a Markdown table, as in the README")
	positional, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usageError(fs, "unexpected argument %q", positional[0])
	}
	var opts []presetauth.Option
	if *dir != "" {
		opts = append(opts, presetauth.WithPresetDir(*dir))
	}
	c, err := presetauth.Catalogue(opts...)
	if err != nil {
		return printProblems(err, stderr)
	}

	if *markdown {
		fmt.Fprintln(stdout, "| preset | type | needs | handles |")
		fmt.Fprintln(stdout, "| --- | --- | --- | --- |")
	}
	for i, name := range c.Names() {
		summary, err := summarizePreset(c, name)
		if err != nil {
			return err
		}
		if *markdown {
			summary.writeMarkdown(stdout)
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		summary.write(stdout)
	}
	return nil
}

// writeMarkdown writes the summary as one row of a Markdown table.
func (s presetSummary) writeMarkdown(w io.Writer) {
	escape := strings.NewReplacer("|", `\|`, "$", `\$`)
	needs := make([]string, len(s.needs))
	for i, n := range s.needs {
		needs[i] = "`" + n + "`"
	}
	fmt.Fprintf(w, "| `%s` (%s) | %s | %s | %s |\n", s.name, escape.Replace(s.displayName), s.kind,
		strings.Join(needs, ", "), escape.Replace(strings.Join(s.handles, "; ")))
}

// presetSummary is the entry of one preset in the output of
// 'presetauth presets'.
type presetSummary struct {
	name        string
	displayName string
	kind        string
	needs       []string // values a deployment must supply
	handles     []string // provider quirks the preset takes care of
}

func (s presetSummary) write(w io.Writer) {
	fmt.Fprintf(w, "%s\t%s (%s)\n", s.name, s.displayName, s.kind)
	fmt.Fprintf(w, "  needs:    %s\n", strings.Join(s.needs, ", "))
	if len(s.handles) > 0 {
		fmt.Fprintf(w, "  handles:  %s\n", strings.Join(s.handles, "\n            "))
	}
}

// summarizePreset derives what a preset needs and handles from its spec
// and its YAML source, so that a new preset needs no Go code here.
func summarizePreset(c *presets.Catalogue, name string) (presetSummary, error) {
	spec, err := c.Spec(name)
	if err != nil {
		return presetSummary{}, err
	}
	source, _ := c.Source(name)
	s := presetSummary{name: name, displayName: spec.Name, kind: spec.Type}
	if s.kind == "" {
		s.kind = "oauth2"
	}

	s.needs = []string{"client_id"}
	if spec.Token.AuthMethod != "none" {
		s.needs = append(s.needs, "client_secret")
	}
	for _, v := range variableNames(source) {
		s.needs = append(s.needs, "${"+v+"}")
	}
	s.handles = presetQuirks(spec)
	return s, nil
}

// presetQuirks lists where a spec departs from plain OAuth 2.0 defaults.
func presetQuirks(spec *schema.Spec) []string {
	var out []string
	if spec.Type == "oidc" {
		out = append(out, "OpenID Connect: ID token verified, missing endpoints discovered from the issuer")
	}

	if len(spec.Scopes) > 0 {
		out = append(out, "default scopes: "+strings.Join(spec.Scopes, ", "))
	}
	if spec.ScopeSeparator != "" && spec.ScopeSeparator != " " {
		out = append(out, fmt.Sprintf("scopes joined by %q", spec.ScopeSeparator))
	}

	if spec.Token.AuthMethod != "" {
		out = append(out, "client authentication: "+spec.Token.AuthMethod)
	}
	if d := time.Duration(spec.Token.DefaultLifetime); d > 0 {
		out = append(out, fmt.Sprintf("token lifetime %s when the token reply has no expires_in", shortDuration(d)))
	}
	if spec.Exchange != nil {
		out = append(out, "long-lived token exchange after sign-in"+grantTypeSuffix(spec.Exchange))
	}
	if spec.Refresh != nil {
		line := "token refresh" + grantTypeSuffix(spec.Refresh)
		if d := time.Duration(spec.Refresh.RefreshBefore); d > 0 {
			line += fmt.Sprintf(", %s before expiry", shortDuration(d))
		}
		out = append(out, line)
	}

	var checks []string
	for _, c := range spec.Checks {
		if c != "state" {
			checks = append(checks, c)
		}
	}
	if len(checks) > 0 {
		out = append(out, "checks: "+strings.Join(checks, ", "))
	}

	if spec.Userinfo != nil && len(spec.Userinfo.Fields) > 0 {
		out = append(out, "userinfo fields: "+strings.Join(spec.Userinfo.Fields, ", "))
	}
	if spec.Userinfo != nil && spec.Userinfo.TokenIn == "query" {
		out = append(out, "access token sent in the userinfo query")
	}
	if len(spec.Profile.Email) == 0 {
		out = append(out, "no email in the profile")
	}
	return out
}

// shortDuration writes d without zero minutes and seconds, as "168h"
// rather than "168h0m0s", the way presets write durations.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func grantTypeSuffix(step *schema.TokenStep) string {
	if g := step.Params["grant_type"]; g != "" {
		return " (" + g + ")"
	}
	return ""
}

var variableReference = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// variableNames lists the ${NAME} references in the string values of a
// YAML document, sorted and without repeats. "$$" is a literal dollar.
func variableNames(source []byte) []string {
	var root yaml.Node
	if err := yaml.Unmarshal(source, &root); err != nil {
		return nil
	}
	var names []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			for _, m := range variableReference.FindAllStringSubmatch(n.Value, -1) {
				if m[1] != "" {
					names = append(names, m[1])
				}
			}
		}
		if n.Kind == yaml.MappingNode {
			// Keys are never expanded, so only values are searched.
			for i := 1; i < len(n.Content); i += 2 {
				walk(n.Content[i])
			}
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	slices.Sort(names)
	return slices.Compact(names)
}

func runShow(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("show", stdout, stderr)
	config := fs.String("config", "", "deployment file whose provider NAME to show, with its overrides merged")
	positional, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return usageError(fs, "want one NAME, got %d arguments", len(positional))
	}
	name := positional[0]

	doc, err := effectiveDocument(name, *config, stderr)
	if err != nil {
		return err
	}
	out, err := doc.YAML()
	if err != nil {
		return err
	}
	if bytes.Contains(out, []byte("[redacted]")) {
		fmt.Fprintln(stdout, "# Literal credentials are shown as [redacted]: client_secret, and header and param values")
		fmt.Fprintln(stdout, "# whose names contain auth, key, secret, token, password or cookie. Set them again, for")
		fmt.Fprintln(stdout, "# example to ${CLIENT_SECRET}, before using this as input. ${VAR} references and")
		fmt.Fprintln(stdout, "# {placeholders} are shown as written.")
	}
	_, err = stdout.Write(out)
	return err
}

// effectiveDocument returns the preset name, or with a config file the
// provider name of that file with its overrides merged.
func effectiveDocument(name, config string, stderr io.Writer) (*schema.Document, error) {
	if config == "" {
		c, err := presetauth.Catalogue()
		if err != nil {
			return nil, err
		}
		doc, ok := c.Document(name)
		if !ok {
			return nil, fmt.Errorf("unknown preset %q; known presets are %s (or pass --config FILE to show a provider of a deployment)",
				name, strings.Join(c.Names(), ", "))
		}
		return doc, nil
	}

	cfg, err := presetauth.LoadFile(config)
	if err != nil {
		return nil, printProblems(err, stderr)
	}
	var ids []string
	for _, r := range cfg.Resolved {
		if r.ID == name {
			return r.Merged, nil
		}
		ids = append(ids, r.ID)
	}
	return nil, fmt.Errorf("%s has no provider %q; its providers are %s", config, name, strings.Join(ids, ", "))
}
