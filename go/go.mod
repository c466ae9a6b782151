module github.com/relay-verifier/relay-verifier/go

go 1.19
