package schema

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
	"github.com/tidwall/gjson"
	"gopkg.in/yaml.v3"
)

const inlineName = "~"

var (
	validateOnce sync.Once
	validate     *validator.Validate
)

// validatorInstance returns the shared validator; building one compiles its
// rules, so it is done once per process, never per request.
func validatorInstance() *validator.Validate {
	validateOnce.Do(func() {
		v := validator.New(validator.WithRequiredStructEnabled())
		v.RegisterTagNameFunc(func(f reflect.StructField) string {
			name, inline := yamlName(f)
			if inline {
				return inlineName
			}
			return name
		})
		must(v.RegisterValidation("endpointurl", func(fl validator.FieldLevel) bool {
			return CheckEndpointURL(fl.Field().String()) == nil
		}))
		must(v.RegisterValidation("gjsonpath", func(fl validator.FieldLevel) bool {
			return CheckPath(fl.Field().String()) == nil
		}))
		validate = v
	})
	return validate
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// CheckEndpointURL returns an error unless raw is an absolute https URL, or
// an http URL whose host is a loopback address (for local development and
// tests). Fragments and user info are not allowed.
func CheckEndpointURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %q: %s", raw, parseProblem(err))
	}
	switch {
	case u.User != nil:
		return fmt.Errorf("URL %q contains user info; remove the part before @", redactUser(u))
	case u.Scheme != "" && u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("URL %q has scheme %q; use https", raw, u.Scheme)
	case u.Scheme == "" || u.Host == "":
		return fmt.Errorf("URL %q is not absolute; write it as https://host/path", raw)
	case !validPort(u.Port()):
		return fmt.Errorf("URL %q has an invalid port; use a number from 1 to 65535", raw)
	case u.Fragment != "" || strings.HasSuffix(raw, "#"):
		return fmt.Errorf("URL %q has a fragment; remove the part after #", raw)
	case u.Scheme == "http" && !IsLoopback(u.Hostname()):
		return fmt.Errorf("URL %q uses http; use https (plain http is allowed only for loopback hosts)", raw)
	}
	return nil
}

// parseProblem returns what url.Parse found wrong, without the part of the
// URL that it quotes: the message shows the whole URL already, and the
// URL's value may come from a variable.
func parseProblem(err error) string {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	return strings.TrimSpace(quotedPart.ReplaceAllString(err.Error(), ""))
}

var quotedPart = regexp.MustCompile(` ?"(?:[^"\\]|\\.)*"`)

// validPort reports whether port, from url.URL.Port, is empty or a TCP port
// number.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

func redactUser(u *url.URL) string {
	c := *u
	c.User = url.User("REDACTED")
	return c.String()
}

// IsLoopback reports whether host is localhost or a loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckPath returns an error unless p is a usable gjson path: not empty, no
// empty component, balanced brackets, and only modifiers that gjson defines.
// A template ("=" followed by text with {path} parts) needs each part to be
// a usable path.
func CheckPath(p string) error {
	if template, ok := strings.CutPrefix(p, "="); ok {
		return checkTemplate(template)
	}
	return checkPath(p)
}

// checkTemplate checks the {path} parts of a profile template.
func checkTemplate(t string) error {
	parts := 0
	for rest := t; ; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return fmt.Errorf("template %q has an unclosed {", t)
		}
		if err := checkPath(rest[open+1 : open+end]); err != nil {
			return fmt.Errorf("template %q: %w", t, err)
		}
		parts++
		rest = rest[open+end+1:]
	}
	if parts == 0 {
		return fmt.Errorf("template %q has no {path} part", t)
	}
	return nil
}

func checkPath(p string) error {
	switch {
	case p == "":
		return errors.New("path is empty")
	case strings.TrimSpace(p) != p:
		return fmt.Errorf("path %q has leading or trailing spaces", p)
	case strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") || strings.HasSuffix(p, "|") || strings.HasPrefix(p, "|"):
		return fmt.Errorf("path %q starts or ends with a separator", p)
	case strings.Contains(p, "..") || strings.Contains(p, "||"):
		return fmt.Errorf("path %q has an empty component", p)
	}

	depth := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth < 0 {
				return fmt.Errorf("path %q closes a bracket it never opened", p)
			}
		}
	}
	if depth != 0 {
		return fmt.Errorf("path %q has an unclosed bracket", p)
	}

	for _, m := range modifier.FindAllStringSubmatch(p, -1) {
		if !gjson.ModifierExists(m[1], nil) {
			return fmt.Errorf("path %q uses the unknown modifier @%s", p, m[1])
		}
	}
	return nil
}

var modifier = regexp.MustCompile(`(?:^|[.|])@([A-Za-z_][A-Za-z0-9_]*)`)

// validateStruct runs the validator tags of v and turns each failure into an
// *Error positioned at the YAML node of the field. When templates is not
// nil, a failure on a field whose value in templates contains a ${NAME}
// reference is dropped: a preset's value is checked once the deployment
// fills it.
func (d *Document) validateStruct(v any, root, templates *yaml.Node, opts ResolveOptions) ErrorList {
	err := validatorInstance().Struct(v)
	var fieldErrors validator.ValidationErrors
	if !errors.As(err, &fieldErrors) {
		if err != nil {
			return ErrorList{d.errorAt(locate(root, nil, opts.Anchor), opts.Path, err.Error())}
		}
		return nil
	}

	var list ErrorList
	for _, fe := range fieldErrors {
		segments := namespaceSegments(fe.Namespace())
		if templates != nil {
			if n := findNode(templates, segments); n != nil && strings.Contains(n.Value, "${") {
				continue
			}
		}
		path := joinPath(opts.Path, segmentsPath(segments))
		list = append(list, d.errorAt(locate(root, segments, opts.Anchor), path, fieldMessage(fe)))
	}
	return list
}

// namespaceSegments splits a validator namespace such as
// "Spec.token.~.url" or "Spec.profile.extra[user][0]" into YAML keys and
// indexes, dropping the struct name and inline markers.
func namespaceSegments(ns string) []string {
	var out []string
	_, rest, _ := strings.Cut(ns, ".")
	for part := range strings.SplitSeq(rest, ".") {
		name, brackets, _ := strings.Cut(part, "[")
		if name != "" && name != inlineName {
			out = append(out, name)
		}
		if brackets == "" {
			continue
		}
		for idx := range strings.SplitSeq(strings.TrimSuffix(brackets, "]"), "][") {
			out = append(out, "["+idx+"]")
		}
	}
	return out
}

func segmentsPath(segments []string) string {
	var b strings.Builder
	for _, s := range segments {
		if !strings.HasPrefix(s, "[") && b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// findNode follows segments from n; a "[i]" segment indexes a sequence or,
// on a mapping, names a map key.
func findNode(n *yaml.Node, segments []string) *yaml.Node {
	for _, s := range segments {
		if n == nil {
			return nil
		}
		key := s
		if strings.HasPrefix(s, "[") {
			key = s[1 : len(s)-1]
			if n.Kind == yaml.ScalarNode && key == "0" {
				// A one-item list written as a plain value, such as Paths.
				continue
			}
			if n.Kind == yaml.SequenceNode {
				i, err := strconv.Atoi(key)
				if err != nil || i < 0 || i >= len(n.Content) {
					return nil
				}
				n = n.Content[i]
				continue
			}
		}
		n = mappingValue(n, key)
	}
	return n
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// fieldMessage describes what a validator tag requires, in the config's
// terms.
func fieldMessage(fe validator.FieldError) string {
	value := fmt.Sprint(fe.Value())
	switch fe.Tag() {
	case "required":
		return "missing; this field is required"
	case "oneof":
		return fmt.Sprintf("invalid value %q; allowed values are %s", value, strings.ReplaceAll(fe.Param(), " ", ", "))
	case "endpointurl":
		return CheckEndpointURL(value).Error()
	case "gjsonpath":
		return "invalid gjson path: " + CheckPath(value).Error()
	case "alphanum|datauri":
		const hint = "give a built-in logo name such as threads, or a base64 data:image/svg+xml or data:image/png URI"
		if len(value) > 40 {
			return fmt.Sprintf("invalid logo, a value of %d bytes; %s", len(value), hint)
		}
		return fmt.Sprintf("invalid logo %q; %s", value, hint)
	case "max":
		return fmt.Sprintf("is too long; the limit is %s", fe.Param())
	case "hexcolor":
		return fmt.Sprintf("invalid color %q; write it as #rrggbb", value)
	case "min":
		return fmt.Sprintf("must have at least %s entries", fe.Param())
	}
	return fmt.Sprintf("invalid value %q (rule %s)", value, fe.Tag())
}
