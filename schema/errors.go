package schema

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a config file, with its position.
type Error struct {
	File   string // file name as given to the loader; may be empty
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Path   string // field path such as providers.threads.token.url
	Msg    string // what is wrong and what is allowed
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("schema: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Column)
	}
	if b.Len() > len("schema: ") {
		b.WriteString(" ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one load, in file order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "schema: no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "schema: %d errors:", len(l))
	for _, e := range l {
		b.WriteString("\n\t")
		b.WriteString(strings.TrimPrefix(e.Error(), "schema: "))
	}
	return b.String()
}

// Unwrap returns the errors for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Errors returns every *Error inside err, or nil when err holds none.
func Errors(err error) []*Error {
	var list ErrorList
	if errors.As(err, &list) {
		return list
	}
	var one *Error
	if errors.As(err, &one) {
		return []*Error{one}
	}
	return nil
}

// errorsOrNil turns an empty list into a nil error and sorts the others by
// position.
func errorsOrNil(list ErrorList) error {
	if len(list) == 0 {
		return nil
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return list
}
