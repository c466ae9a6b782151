package relayverifier_test

// Issue 21, part 3: this package against the Go enclave's own rule
// (internal/gorule: encoding/json, the §4/§11 hashes, every configured key
// tried against each response's signature with crypto/ed25519) on the same
// bundles, N = 4, 7, 16, 31, 64 with F = (N-1)/3 faulty nodes sending junk.
//
//	go test -run '^$' -bench SideBySide -benchtime 41x . | awk -f bench-table.awk
//	go test -run '^$' -bench . -benchtime 1x ./...        # CI's smoke (ci.sh)
//
// BenchmarkAlone is the plain go-test form (one side per sub-benchmark,
// ns/op as usual). BenchmarkSideBySide times both sides in turn in every
// round (b.N rounds, the side timed first alternating), so both see the
// same machine state, and reports per side the median ns per call and per
// round the ratio Go rule ÷ package: its median and minimum, and min ÷ min.
// Its built-in ns/op is one whole round and means nothing on its own.

import (
	"bytes"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	relayverifier "github.com/relay-verifier/relay-verifier/go"
	"github.com/relay-verifier/relay-verifier/go/internal/gorule"
)

type benchPair struct {
	fx     gorule.Fixture
	method relayverifier.Method
	rule   *gorule.Rule
	pkg    *relayverifier.Verifier
	// Verifications per call: the Go rule's and the package's.
	ruleVerifs, pkgVerifs uint64
}

var (
	pairsOnce sync.Once
	pairs     []*benchPair
	pairsErr  error
)

// benchPairs builds every fixture and both verifiers for it, and checks that
// both accept it with the same hash, index and signers.
func benchPairs(tb testing.TB) []*benchPair {
	pairsOnce.Do(func() {
		for _, fx := range gorule.Fixtures() {
			p, err := newPair(fx)
			if err != nil {
				pairsErr = fmt.Errorf("%s: %w", fx.Name, err)
				return
			}
			pairs = append(pairs, p)
		}
	})
	if pairsErr != nil {
		tb.Fatal(pairsErr)
	}
	return pairs
}

func newPair(fx gorule.Fixture) (*benchPair, error) {
	method, err := relayverifier.ParseMethod(fx.Method)
	if err != nil {
		return nil, err
	}
	rule, err := gorule.New(fx.Keys, fx.F)
	if err != nil {
		return nil, err
	}
	pkg, err := relayverifier.NewVerifier(fx.Keys, fx.F)
	if err != nil {
		return nil, err
	}
	p := &benchPair{fx: fx, method: method, rule: rule, pkg: pkg}

	v, err := rule.Verify(fx.Method, fx.Params, fx.Body)
	if err != nil {
		return nil, fmt.Errorf("Go rule: %w", err)
	}
	p.ruleVerifs = uint64(rule.Verifications)
	r, err := pkg.Verify(method, fx.Params, fx.Body)
	if err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	p.pkgVerifs = r.Stats.Verifications
	if !v.Accept || v.Hash != fx.Hash || v.Index != fx.Index {
		return nil, fmt.Errorf("Go rule: accept %v hash %x index %d, want %x at %d", v.Accept, v.Hash, v.Index, fx.Hash, fx.Index)
	}
	if r.Hash != fx.Hash || r.Index != fx.Index {
		return nil, fmt.Errorf("package: hash %x index %d, want %x at %d", r.Hash, r.Index, fx.Hash, fx.Index)
	}
	if len(r.Signers) != len(v.Signers) {
		return nil, fmt.Errorf("package counted %d signers, Go rule %d", len(r.Signers), len(v.Signers))
	}
	for i := range r.Signers {
		if !bytes.Equal(r.Signers[i][:], v.Signers[i]) {
			return nil, fmt.Errorf("signer %d differs", i)
		}
	}
	if want := len(fx.Keys) - len(fx.Faulty); len(r.Signers) != want {
		return nil, fmt.Errorf("%d signers, want the %d honest nodes", len(r.Signers), want)
	}
	return p, nil
}

func (p *benchPair) runRule(tb testing.TB) {
	if v, err := p.rule.Verify(p.fx.Method, p.fx.Params, p.fx.Body); err != nil || !v.Accept {
		tb.Fatalf("Go rule: %v %v", v.Accept, err)
	}
}

func (p *benchPair) runPackage(tb testing.TB) {
	if _, err := p.pkg.Verify(p.method, p.fx.Params, p.fx.Body); err != nil {
		tb.Fatalf("package: %v", err)
	}
}

// TestBenchFixtures: both sides accept every benchmark bundle alike.
func TestBenchFixtures(t *testing.T) {
	for _, p := range benchPairs(t) {
		t.Logf("%-15s %7d bytes, Go rule %4d verifications, package %2d", p.fx.Name, len(p.fx.Body), p.ruleVerifs, p.pkgVerifs)
	}
}

// BenchmarkAlone times each side alone, in the usual go-test way.
func BenchmarkAlone(b *testing.B) {
	for _, p := range benchPairs(b) {
		p := p
		b.Run(p.fx.Name+"/gorule", func(b *testing.B) {
			b.SetBytes(int64(len(p.fx.Body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				p.runRule(b)
			}
		})
		b.Run(p.fx.Name+"/package", func(b *testing.B) {
			b.SetBytes(int64(len(p.fx.Body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				p.runPackage(b)
			}
		})
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minimum(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs[1:] {
		if x < m {
			m = x
		}
	}
	return m
}

// BenchmarkSideBySide: b.N rounds per bundle, each timing a batch of Go
// rule calls and a batch of package calls (the Go rule first in even
// rounds), after a forced GC so neither side pays for the other's garbage.
func BenchmarkSideBySide(b *testing.B) {
	for _, p := range benchPairs(b) {
		p := p
		b.Run(p.fx.Name, func(b *testing.B) {
			// Batches of several calls for the small DONs, so a batch is
			// well above the clock's resolution.
			k := 1
			if n := len(p.fx.Keys); n < 16 {
				k = 64 / n
			}
			timeBatch := func(run func(testing.TB)) float64 {
				start := time.Now()
				for i := 0; i < k; i++ {
					run(b)
				}
				return float64(time.Since(start).Nanoseconds()) / float64(k)
			}
			rule := make([]float64, 0, b.N)
			pkg := make([]float64, 0, b.N)
			ratio := make([]float64, 0, b.N)
			for round := 0; round < b.N; round++ {
				runtime.GC()
				var r, q float64
				if round%2 == 0 {
					r = timeBatch(p.runRule)
					q = timeBatch(p.runPackage)
				} else {
					q = timeBatch(p.runPackage)
					r = timeBatch(p.runRule)
				}
				rule = append(rule, r)
				pkg = append(pkg, q)
				ratio = append(ratio, r/q)
			}
			b.ReportMetric(median(rule), "rule-ns/call")
			b.ReportMetric(median(pkg), "pkg-ns/call")
			b.ReportMetric(median(ratio), "ratio-med")
			b.ReportMetric(minimum(ratio), "ratio-min")
			b.ReportMetric(minimum(rule)/minimum(pkg), "ratio-minmin")
			b.ReportMetric(float64(p.ruleVerifs), "rule-verifs")
			b.ReportMetric(float64(p.pkgVerifs), "pkg-verifs")
		})
	}
}
