package schema

import (
	"fmt"
	"math"
	"regexp"
	"time"

	"gopkg.in/yaml.v3"
)

// UnmarshalYAML accepts one path as a string or several as a list.
func (p *Paths) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if isNull(n) {
			*p = nil
			return nil
		}
		*p = Paths{n.Value}
		return nil
	case yaml.SequenceNode:
		out := make(Paths, 0, len(n.Content))
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a path must be a string", item.Line)
			}
			out = append(out, item.Value)
		}
		*p = out
		return nil
	}
	return fmt.Errorf("line %d: must be a gjson path or a list of paths", n.Line)
}

// MarshalYAML writes a single path as a plain string.
func (p Paths) MarshalYAML() (any, error) {
	if len(p) == 1 {
		return p[0], nil
	}
	return []string(p), nil
}

// UnmarshalYAML reads a Go duration string such as "168h".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: must be a duration such as 168h", n.Line)
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil && durationSyntax.MatchString(n.Value) {
		// time.ParseDuration fails on well-formed durations over its range.
		return fmt.Errorf("line %d: duration %q is too long; the maximum is %dh, about 292 years", n.Line, n.Value, int64(math.MaxInt64/time.Hour))
	}
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: invalid duration %q; use a positive Go duration such as 168h or 30m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// durationSyntax matches what time.ParseDuration accepts, apart from a
// negative sign, whatever the size.
var durationSyntax = regexp.MustCompile(`^\+?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`)

// MarshalYAML writes the duration as a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }
