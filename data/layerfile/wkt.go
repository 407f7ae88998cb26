package layerfile

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A small parser of WKT1 coordinate system definitions, enough for the
// GEOGCS/PROJCS that ArcGIS, QGIS and GDAL write into .prj files.

// wktNode is a WKT1 node: KEY["name", args...].
type wktNode struct {
	key  string
	args []any // string, float64 or *wktNode
}

func (n *wktNode) name() string {
	if len(n.args) > 0 {
		if s, ok := n.args[0].(string); ok {
			return s
		}
	}
	return ""
}

func (n *wktNode) num(i int) (float64, bool) {
	if i < len(n.args) {
		f, ok := n.args[i].(float64)
		return f, ok
	}
	return 0, false
}

func (n *wktNode) child(key string) *wktNode {
	for _, a := range n.args {
		if c, ok := a.(*wktNode); ok && c.key == key {
			return c
		}
	}
	return nil
}

func (n *wktNode) children(key string) []*wktNode {
	var out []*wktNode
	for _, a := range n.args {
		if c, ok := a.(*wktNode); ok && c.key == key {
			out = append(out, c)
		}
	}
	return out
}

func parseWKT(src string) (*wktNode, error) {
	p := wktParser{s: strings.TrimSpace(strings.TrimPrefix(src, "\uFEFF"))}
	if p.s == "" {
		return nil, errors.New("the .prj is empty")
	}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	n, ok := v.(*wktNode)
	if !ok {
		return nil, fmt.Errorf("not WKT: %.40q", src)
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected text after the WKT at offset %d", p.i)
	}
	return n, nil
}

type wktParser struct {
	s string
	i int
}

func (p *wktParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *wktParser) value(depth int) (any, error) {
	if depth > 32 {
		return nil, errors.New("WKT nested too deeply")
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, errors.New("WKT ends early")
	}
	c := p.s[p.i]
	switch {
	case c == '"':
		var b strings.Builder
		for p.i++; ; p.i++ {
			if p.i >= len(p.s) {
				return nil, errors.New("unterminated string in WKT")
			}
			if p.s[p.i] == '"' {
				if p.i+1 < len(p.s) && p.s[p.i+1] == '"' {
					b.WriteByte('"')
					p.i++
					continue
				}
				p.i++
				return b.String(), nil
			}
			b.WriteByte(p.s[p.i])
		}
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		j := p.i
		for p.i < len(p.s) && strings.IndexByte("+-.0123456789eE", p.s[p.i]) >= 0 {
			p.i++
		}
		f, err := strconv.ParseFloat(p.s[j:p.i], 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q in WKT", p.s[j:p.i])
		}
		return f, nil
	case c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z'):
		j := p.i
		for p.i < len(p.s) && (p.s[p.i] == '_' || (p.s[p.i]|0x20 >= 'a' && p.s[p.i]|0x20 <= 'z') || (p.s[p.i] >= '0' && p.s[p.i] <= '9')) {
			p.i++
		}
		word := p.s[j:p.i]
		p.space()
		if p.i >= len(p.s) || (p.s[p.i] != '[' && p.s[p.i] != '(') {
			return word, nil // an enumeration value such as NORTH
		}
		closer := byte(']')
		if p.s[p.i] == '(' {
			closer = ')'
		}
		p.i++
		n := &wktNode{key: strings.ToUpper(word)}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.args = append(n.args, v)
			p.space()
			if p.i >= len(p.s) {
				return nil, fmt.Errorf("WKT %s[…] is not closed", n.key)
			}
			switch p.s[p.i] {
			case ',':
				p.i++
			case closer:
				p.i++
				return n, nil
			default:
				return nil, fmt.Errorf("unexpected %q in WKT at offset %d", p.s[p.i], p.i)
			}
		}
	default:
		return nil, fmt.Errorf("unexpected %q in WKT at offset %d", c, p.i)
	}
}
