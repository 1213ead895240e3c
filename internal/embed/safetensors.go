package embed

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
)

// The safetensors format: an 8-byte little-endian header length n, n bytes
// of JSON mapping tensor names to {dtype, shape, data_offsets}, then the
// tensor data. Offsets are relative to the end of the header. Everything is
// checked against the file size before any tensor is read, so a truncated
// or hostile file is an error, never a panic or a huge allocation.

// maxHeaderBytes bounds the JSON header. Real headers are a few hundred
// bytes for model2vec; transformer checkpoints reach a few MiB.
const maxHeaderBytes = 100 << 20

// dtypeSizes are the element sizes of the safetensors dtypes.
var dtypeSizes = map[string]int64{
	"F64": 8, "F32": 4, "F16": 2, "BF16": 2,
	"I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
	"U16": 2, "U32": 4, "U64": 8, "F8_E4M3": 1, "F8_E5M2": 1,
}

// tensorInfo locates one tensor in the file.
type tensorInfo struct {
	DType      string
	Shape      []int64
	Begin, End int64 // absolute byte offsets in the file
}

// elements is the number of values (shape product; checked not to
// overflow when the header was read).
func (t tensorInfo) elements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// readSafetensorsHeader reads and validates the header of a safetensors
// file of the given size.
func readSafetensorsHeader(r io.ReaderAt, size int64) (map[string]tensorInfo, error) {
	if size < 8 {
		return nil, fmt.Errorf("is %d bytes long, too short for a safetensors file (truncated download?)", size)
	}
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("cannot read the header length: %v", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > uint64(size-8) {
		return nil, fmt.Errorf("declares a %d-byte header but the file has only %d bytes after the length: truncated, or not a safetensors file", n, size-8)
	}
	if n > maxHeaderBytes {
		return nil, fmt.Errorf("declares a %d-byte header, more than the %d allowed: not a model2vec safetensors file", n, maxHeaderBytes)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil {
		return nil, fmt.Errorf("cannot read the header: %v", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, fmt.Errorf("has a header that is not a JSON object: %v", err)
	}
	dataStart := int64(8 + n)
	dataLen := size - dataStart
	tensors := make(map[string]tensorInfo, len(raw))
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names) // deterministic error messages
	for _, name := range names {
		if name == "__metadata__" {
			continue
		}
		var t struct {
			DType   string  `json:"dtype"`
			Shape   []int64 `json:"shape"`
			Offsets []int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw[name], &t); err != nil {
			return nil, fmt.Errorf("tensor %q: malformed entry: %v", name, err)
		}
		elemSize, ok := dtypeSizes[t.DType]
		if !ok {
			return nil, fmt.Errorf("tensor %q: unknown dtype %q", name, t.DType)
		}
		if len(t.Offsets) != 2 {
			return nil, fmt.Errorf("tensor %q: data_offsets must hold two numbers, got %d", name, len(t.Offsets))
		}
		begin, end := t.Offsets[0], t.Offsets[1]
		if begin < 0 || end < begin || end > dataLen {
			return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] lie outside the %d bytes of data: the file is truncated or corrupt", name, begin, end, dataLen)
		}
		// The shape's byte size must equal the offsets' span; computing it
		// must not overflow, so every step is bounded by the span.
		bytes := elemSize
		for _, d := range t.Shape {
			if d < 0 {
				return nil, fmt.Errorf("tensor %q: negative dimension in shape %v", name, t.Shape)
			}
			if d != 0 && bytes > (end-begin)/d {
				return nil, fmt.Errorf("tensor %q: shape %v needs more bytes than its data_offsets [%d, %d] hold", name, t.Shape, begin, end)
			}
			bytes *= d
		}
		if bytes != end-begin {
			return nil, fmt.Errorf("tensor %q: shape %v of %s needs %d bytes but data_offsets [%d, %d] span %d", name, t.Shape, t.DType, bytes, begin, end, end-begin)
		}
		tensors[name] = tensorInfo{DType: t.DType, Shape: t.Shape, Begin: dataStart + begin, End: dataStart + end}
	}
	return tensors, nil
}

// readFloats reads a float tensor (F64, F32, F16, BF16 or I8) as float32.
// I8 appears in quantised model2vec models; its scale is uniform across the
// matrix, so it vanishes in the final normalisation.
func readFloats(r io.ReaderAt, t tensorInfo) ([]float32, error) {
	var conv func([]byte) float32
	switch t.DType {
	case "F32":
		conv = func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }
	case "F16":
		conv = func(b []byte) float32 { return halfToFloat32(binary.LittleEndian.Uint16(b)) }
	case "BF16":
		conv = func(b []byte) float32 { return math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16) }
	case "F64":
		conv = func(b []byte) float32 { return float32(math.Float64frombits(binary.LittleEndian.Uint64(b))) }
	case "I8":
		conv = func(b []byte) float32 { return float32(int8(b[0])) }
	default:
		return nil, fmt.Errorf("has dtype %s; supported: F32, F16, BF16, F64, I8", t.DType)
	}
	out := make([]float32, t.elements())
	err := readElements(r, t, func(i int64, b []byte) { out[i] = conv(b) })
	return out, err
}

// readInts reads an integer tensor (I32 or I64) such as model2vec's token
// mapping.
func readInts(r io.ReaderAt, t tensorInfo) ([]int64, error) {
	var conv func([]byte) int64
	switch t.DType {
	case "I32":
		conv = func(b []byte) int64 { return int64(int32(binary.LittleEndian.Uint32(b))) }
	case "I64":
		conv = func(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) }
	default:
		return nil, fmt.Errorf("has dtype %s; supported: I32, I64", t.DType)
	}
	out := make([]int64, t.elements())
	err := readElements(r, t, func(i int64, b []byte) { out[i] = conv(b) })
	return out, err
}

// readElements streams a tensor's bytes in chunks, so a large matrix is
// never held twice (as bytes and as floats).
func readElements(r io.ReaderAt, t tensorInfo, set func(i int64, b []byte)) error {
	size := dtypeSizes[t.DType]
	const chunk = 1 << 20
	buf := make([]byte, min(chunk-chunk%size, t.End-t.Begin))
	var i int64
	for off := t.Begin; off < t.End; {
		b := buf[:min(int64(len(buf)), t.End-off)]
		if _, err := r.ReadAt(b, off); err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("ends early, at byte %d of %d: the file is truncated", off, t.End)
			}
			return fmt.Errorf("cannot be read: %v", err)
		}
		for j := 0; j+int(size) <= len(b); j += int(size) {
			set(i, b[j:j+int(size)])
			i++
		}
		off += int64(len(b))
	}
	return nil
}

// halfToFloat32 converts an IEEE 754 binary16 value.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign) // ±0
	}
	// Subnormal half: mant × 2^-24, exactly representable in float32.
	f := float32(mant) * (1.0 / (1 << 24))
	if sign != 0 {
		f = -f
	}
	return f
}
