package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// keyKind is the map's key type.
type keyKind uint8

const (
	kindU64 keyKind = iota
	kindStr
	kindID16
)

var kindNames = [...]string{"u64", "str", "id16"}

func (k keyKind) String() string { return kindNames[k] }

// opKind is a script operation.
type opKind uint8

const (
	opInsert opKind = iota
	opDelete
	opRange
	opClear
)

// key holds a parsed key; only the field of the script's key type is used.
type key struct {
	u  uint64
	s  string
	id [16]byte
}

type op struct {
	kind opKind
	k    key
	v    uint64
	text string // the op's tokens joined by single spaces, echoed in its `op` line
}

type script struct {
	kind    keyKind
	hasHint bool
	hint    int
	ops     []op
}

// maxHint bounds the make() hint: 1<<20 gives B = 18, a 37 MB bucket array for u64 keys.
const maxHint = 1 << 20

// inputError is bad input: the message names the script line.
type inputError struct {
	line int
	msg  string
}

func (e *inputError) Error() string { return fmt.Sprintf("script line %d: %s", e.line, e.msg) }

func parseScript(r io.Reader) (*script, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	s := &script{}
	haveKeys := false
	lineNo := 0
	for {
		raw, err := br.ReadString('\n')
		if raw == "" && err != nil {
			if err != io.EOF {
				return nil, err
			}
			break
		}
		lineNo++
		f := strings.Fields(raw)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		bad := func(format string, a ...any) error {
			return &inputError{lineNo, fmt.Sprintf(format, a...)}
		}
		if !haveKeys {
			if f[0] != "keys" {
				return nil, bad("expected `keys u64|str|id16` before %q", f[0])
			}
			if len(f) != 2 {
				return nil, bad("`keys` takes one argument")
			}
			switch f[1] {
			case "u64":
				s.kind = kindU64
			case "str":
				s.kind = kindStr
			case "id16":
				s.kind = kindID16
			default:
				return nil, bad("unknown key type %q", f[1])
			}
			haveKeys = true
			continue
		}
		o := op{text: strings.Join(f, " ")}
		switch f[0] {
		case "hint":
			if s.hasHint || len(s.ops) > 0 {
				return nil, bad("`hint` must directly follow `keys`, once")
			}
			if len(f) != 2 {
				return nil, bad("`hint` takes one argument")
			}
			n, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil || n > maxHint {
				return nil, bad("bad hint %q (decimal, at most %d)", f[1], maxHint)
			}
			s.hasHint, s.hint = true, int(n)
			continue
		case "insert":
			if len(f) != 3 {
				return nil, bad("`insert` takes a key and a value")
			}
			o.kind = opInsert
			if err := parseKey(s.kind, f[1], &o.k); err != nil {
				return nil, bad("%v", err)
			}
			v, err := strconv.ParseUint(f[2], 10, 64)
			if err != nil {
				return nil, bad("bad value %q (decimal uint64)", f[2])
			}
			o.v = v
		case "delete":
			if len(f) != 2 {
				return nil, bad("`delete` takes a key")
			}
			o.kind = opDelete
			if err := parseKey(s.kind, f[1], &o.k); err != nil {
				return nil, bad("%v", err)
			}
		case "range", "clear":
			if len(f) != 1 {
				return nil, bad("`%s` takes no argument", f[0])
			}
			o.kind = opRange
			if f[0] == "clear" {
				o.kind = opClear
			}
		case "keys":
			return nil, bad("second `keys` line")
		default:
			return nil, bad("unknown op %q", f[0])
		}
		s.ops = append(s.ops, o)
	}
	if !haveKeys {
		return nil, &inputError{lineNo + 1, "end of script before the `keys` line"}
	}
	return s, nil
}

func parseKey(kind keyKind, tok string, k *key) error {
	switch kind {
	case kindU64:
		u, err := strconv.ParseUint(tok, 10, 64)
		if err != nil {
			return fmt.Errorf("bad u64 key %q (decimal uint64)", tok)
		}
		k.u = u
	case kindStr:
		if tok == "." {
			k.s = ""
			return nil
		}
		b, ok := decodeHex(tok)
		if !ok || len(b) == 0 {
			return fmt.Errorf("bad str key %q (lowercase hex of the bytes, or . for empty)", tok)
		}
		k.s = string(b)
	case kindID16:
		b, ok := decodeHex(tok)
		if !ok || len(b) != 16 {
			return fmt.Errorf("bad id16 key %q (32 lowercase hex digits)", tok)
		}
		copy(k.id[:], b)
	}
	return nil
}

// decodeHex accepts lowercase hex only, an even number of digits.
func decodeHex(s string) ([]byte, bool) {
	if len(s)%2 != 0 {
		return nil, false
	}
	out := make([]byte, len(s)/2)
	for i := 0; i < len(s); i += 2 {
		hi, lo := hexVal(s[i]), hexVal(s[i+1])
		if hi < 0 || lo < 0 {
			return nil, false
		}
		out[i/2] = byte(hi<<4 | lo)
	}
	return out, true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// formatScript renders a script back to text (used by -selftest and -dump-selftest).
func formatScript(s *script) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "keys %s\n", s.kind)
	if s.hasHint {
		fmt.Fprintf(&b, "hint %d\n", s.hint)
	}
	for i := range s.ops {
		b.WriteString(s.ops[i].text)
		b.WriteByte('\n')
	}
	return b.Bytes()
}
