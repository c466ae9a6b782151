package gorule

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// The §11 rewrite: a capability result whose payload is a consensus report
// is grouped by the report without its OCR signatures. Written from
// PROTOCOL.md §11 (protobuf-go's decoding rules as stated there).

const (
	reportTypeName = "sdk.v1alpha.ReportResponse"
	reportTypeURL  = "type.googleapis.com/" + reportTypeName
	maxFieldNumber = 1<<29 - 1
	maxGroupNumber = 1<<31 - 1
	maxOpenGroups  = 64
)

func readVarint(b []byte) (v uint64, n int, ok bool) {
	for i := 0; i < 10; i++ {
		if i >= len(b) {
			return 0, 0, false
		}
		c := b[i]
		if i == 9 && c > 1 {
			return 0, 0, false
		}
		v |= uint64(c&0x7f) << (7 * uint(i))
		if c < 0x80 {
			return v, i + 1, true
		}
	}
	return 0, 0, false
}

// pbField is one decoded field: raw is its value bytes exactly as they came
// (after the tag), data the bytes of a length-delimited value, v a varint.
type pbField struct {
	num  uint64
	wt   uint64
	raw  []byte
	data []byte
	v    uint64
}

// nextField reads one field of a message; groups are skipped whole (at most
// maxOpenGroups open at once, counting from depth).
func nextField(b []byte, depth int, maxNum uint64) (f pbField, rest []byte, ok bool) {
	tag, tn, ok := readVarint(b)
	if !ok {
		return f, nil, false
	}
	f.num, f.wt = tag>>3, tag&7
	if f.num < 1 || f.num > maxNum {
		return f, nil, false
	}
	b = b[tn:]
	n, ok := valueLen(b, &f, depth)
	if !ok {
		return f, nil, false
	}
	f.raw = b[:n]
	return f, b[n:], true
}

// valueLen measures the value of a field whose tag was just read.
func valueLen(b []byte, f *pbField, depth int) (int, bool) {
	switch f.wt {
	case 0:
		v, n, ok := readVarint(b)
		f.v = v
		return n, ok
	case 1:
		return 8, len(b) >= 8
	case 2:
		l, n, ok := readVarint(b)
		if !ok || l > uint64(len(b)-n) {
			return 0, false
		}
		f.data = b[n : n+int(l)]
		return n + int(l), true
	case 3:
		return groupLen(b, f.num, depth+1)
	case 5:
		return 4, len(b) >= 4
	default: // 4: an end-group tag with no group open; 6, 7: no such type
		return 0, false
	}
}

// groupLen measures a group's value, through its end-group tag.
func groupLen(b []byte, num uint64, depth int) (int, bool) {
	if depth > maxOpenGroups {
		return 0, false
	}
	at := 0
	for {
		tag, tn, ok := readVarint(b[at:])
		if !ok {
			return 0, false
		}
		inner := pbField{num: tag >> 3, wt: tag & 7}
		if inner.num < 1 || inner.num > maxGroupNumber {
			return 0, false
		}
		at += tn
		if inner.wt == 4 {
			if inner.num != num {
				return 0, false
			}
			return at, true
		}
		n, ok := valueLen(b[at:], &inner, depth)
		if !ok {
			return 0, false
		}
		at += n
	}
}

func appendVarint(b []byte, v uint64) []byte {
	return binary.AppendUvarint(b, v)
}

func appendBytesField(b []byte, tag byte, v []byte) []byte {
	b = append(b, tag)
	b = appendVarint(b, uint64(len(v)))
	return append(b, v...)
}

// CanonicalReportPayload is the §11 rewrite of a capability payload: the
// canonical form and true when the payload is a consensus report, else
// false (group by the hash as signed).
func CanonicalReportPayload(payload string) (string, bool) {
	if payload == "" {
		return "", false
	}
	outer, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return "", false
	}
	value, ok := reportValue(outer)
	if !ok {
		return "", false
	}
	report, ok := canonicalReport(value)
	if !ok {
		return "", false
	}
	any := appendBytesField(nil, 0x0a, []byte(reportTypeURL))
	if len(report) > 0 {
		any = appendBytesField(any, 0x12, report)
	}
	return base64.StdEncoding.EncodeToString(appendBytesField(nil, 0x0a, any)), true
}

// reportValue decodes a CapabilityResponse and returns its Any's value when
// the oneof's member is a payload naming ReportResponse.
func reportValue(b []byte) ([]byte, bool) {
	const (
		none = iota
		payload
		errorMember
	)
	member := none
	var typeURL string
	var value []byte
	for len(b) > 0 {
		f, rest, ok := nextField(b, 0, maxFieldNumber)
		if !ok {
			return nil, false
		}
		b = rest
		switch {
		case f.num == 1 && f.wt == 2:
			if member != payload {
				typeURL, value = "", nil
			}
			// A message field seen twice is merged: later fields win.
			a := f.data
			for len(a) > 0 {
				g, rest, ok := nextField(a, 0, maxFieldNumber)
				if !ok {
					return nil, false
				}
				a = rest
				switch {
				case g.num == 1 && g.wt == 2:
					if !utf8.Valid(g.data) {
						return nil, false
					}
					typeURL = string(g.data)
				case g.num == 2 && g.wt == 2:
					value = g.data
				}
			}
			member = payload
		case f.num == 2 && f.wt == 2:
			if !utf8.Valid(f.data) {
				return nil, false
			}
			member = errorMember
		}
	}
	if member != payload {
		return nil, false
	}
	if typeURL != reportTypeName && !strings.HasSuffix(typeURL, "/"+reportTypeName) {
		return nil, false
	}
	return value, true
}

// canonicalReport decodes a ReportResponse and re-encodes it without its
// OCR signatures: fields 1–4 (zero ones omitted), then unknown fields in
// order, each with its tag re-encoded in minimal form.
func canonicalReport(b []byte) ([]byte, bool) {
	var digest, context, raw, unknown []byte
	var seq uint64
	for len(b) > 0 {
		f, rest, ok := nextField(b, 0, maxFieldNumber)
		if !ok {
			return nil, false
		}
		b = rest
		switch {
		case f.num == 1 && f.wt == 2:
			digest = f.data
		case f.num == 2 && f.wt == 0:
			seq = f.v
		case f.num == 3 && f.wt == 2:
			context = f.data
		case f.num == 4 && f.wt == 2:
			raw = f.data
		case f.num == 5 && f.wt == 2:
			if !validSignatureEntry(f.data) {
				return nil, false
			}
		default:
			unknown = appendVarint(unknown, f.num<<3|f.wt)
			unknown = append(unknown, f.raw...)
		}
	}
	var out []byte
	if len(digest) > 0 {
		out = appendBytesField(out, 0x0a, digest)
	}
	if seq != 0 {
		out = append(out, 0x10)
		out = appendVarint(out, seq)
	}
	if len(context) > 0 {
		out = appendBytesField(out, 0x1a, context)
	}
	if len(raw) > 0 {
		out = appendBytesField(out, 0x22, raw)
	}
	return append(out, unknown...), true
}

// validSignatureEntry says whether an AttributedSignature decodes.
func validSignatureEntry(b []byte) bool {
	for len(b) > 0 {
		_, rest, ok := nextField(b, 0, maxFieldNumber)
		if !ok {
			return false
		}
		b = rest
	}
	return true
}
