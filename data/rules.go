package data

import _ "embed"

// rulesFile is the bundled rules file, data/rules.yaml: the rules
// `ecospace serve` applies unless --rules names another file.
//
//go:embed rules.yaml
var rulesFile string

// RulesFile returns the bundled rules file (a copy: callers may keep or
// change it).
func RulesFile() []byte {
	return []byte(rulesFile)
}
