// Command gen-runner-keys writes the config.toml keys gitlab-runner defines, read from the
// runner's own config structs, as JSON: table path -> key -> TOML type. The library checks every
// key it writes, and every key of the raw escape hatch (addRawConfig), against that list.
//
// It reads Go source only (go/parser and go/ast, standard library): nothing is built or run, and
// no runner code is copied. It starts at `Config` in common/, follows each field's `toml:"…"`
// tag into nested structs (and into other packages of the runner module), and records:
//
//	string, integer, float, boolean, datetime, duration   scalar keys
//	array:<type>                                           arrays
//	table                                                  a sub-table, listed under its own path
//	array-of-tables                                        [[…]], listed under its own path
//	map:<type>                                             a table whose keys are the user's
//	a|b                                                    either (pull_policy: string|array:string)
//	any                                                    decoded by custom code
//
// Embedded structs without a tag name are inlined, as BurntSushi/toml decodes them.
//
// Regenerate (the committed src/runner/config/runner-keys.json is what the tests use), from the
// runner version the default manager image pins:
//
//	git -C <gitlab-runner mirror> archive v18.9.0 | tar -x -C /tmp/runner-src
//	go run scripts/gen-runner-keys.go /tmp/runner-src > src/runner/config/runner-keys.json
//
// or from the module zip (`go mod download -json gitlab.com/gitlab-org/gitlab-runner@<version>`
// prints its Dir). The version recorded is the source's VERSION file, or -version.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

const module = "gitlab.com/gitlab-org/gitlab-runner"

// pkg is one parsed package of the runner module.
type pkg struct {
	types   map[string]*ast.TypeSpec
	imports map[*ast.TypeSpec]map[string]string // local name -> import path, per type's file
	methods map[string]map[string]bool          // type -> method names
}

type generator struct {
	root   string
	pkgs   map[string]*pkg
	tables map[string]map[string]string
	seen   map[string]bool
}

func main() {
	version := flag.String("version", "", "source version to record (default: v + the VERSION file)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/gen-runner-keys.go [-version vX.Y.Z] <gitlab-runner source dir>")
		os.Exit(2)
	}
	root := flag.Arg(0)
	if *version == "" {
		b, err := os.ReadFile(filepath.Join(root, "VERSION"))
		if err != nil {
			fail("no VERSION file in %s: pass -version", root)
		}
		*version = "v" + strings.TrimSpace(string(b))
	}
	g := &generator{root: root, pkgs: map[string]*pkg{}, tables: map[string]map[string]string{}, seen: map[string]bool{}}
	g.walkStruct("common", "Config", "")
	out := map[string]any{
		"generatedBy": "scripts/gen-runner-keys.go",
		"source":      map[string]string{"module": module, "version": *version},
		"tables":      g.tables,
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fail("%v", err)
	}
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "gen-runner-keys: "+format+"\n", a...)
	os.Exit(1)
}

// load parses the non-test Go files of a package directory (relative to the module root).
func (g *generator) load(dir string) *pkg {
	if p, ok := g.pkgs[dir]; ok {
		return p
	}
	p := &pkg{types: map[string]*ast.TypeSpec{}, imports: map[*ast.TypeSpec]map[string]string{}, methods: map[string]map[string]bool{}}
	g.pkgs[dir] = p
	files, err := filepath.Glob(filepath.Join(g.root, dir, "*.go"))
	if err != nil || len(files) == 0 {
		fail("no Go files in %s", filepath.Join(g.root, dir))
	}
	sort.Strings(files)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			fail("%v", err)
		}
		imports := map[string]string{}
		for _, imp := range f.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			local := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				local = imp.Name.Name
			}
			imports[local] = path
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					if ts, ok := spec.(*ast.TypeSpec); ok {
						p.types[ts.Name.Name] = ts
						p.imports[ts] = imports
					}
				}
			case *ast.FuncDecl:
				if d.Recv != nil && len(d.Recv.List) == 1 {
					recv := d.Recv.List[0].Type
					if star, ok := recv.(*ast.StarExpr); ok {
						recv = star.X
					}
					if id, ok := recv.(*ast.Ident); ok {
						if p.methods[id.Name] == nil {
							p.methods[id.Name] = map[string]bool{}
						}
						p.methods[id.Name][d.Name.Name] = true
					}
				}
			}
		}
	}
	return p
}

// walkStruct records the keys of struct `name` of package `dir` under table `path`.
func (g *generator) walkStruct(dir, name, path string) {
	p := g.load(dir)
	ts, ok := p.types[name]
	if !ok {
		fail("type %s not found in %s", name, dir)
	}
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		fail("type %s in %s is not a struct", name, dir)
	}
	key := dir + "." + name + "@" + path
	if g.seen[key] {
		return
	}
	g.seen[key] = true
	if g.tables[path] == nil {
		g.tables[path] = map[string]string{}
	}
	for _, field := range st.Fields.List {
		tag := ""
		if field.Tag != nil {
			tag = reflect.StructTag(strings.Trim(field.Tag.Value, "`")).Get("toml")
		}
		tomlName := strings.Split(tag, ",")[0]
		if tomlName == "-" {
			continue
		}
		if len(field.Names) == 0 {
			// Embedded: inlined unless the tag names it.
			if tomlName == "" {
				d, n := g.named(p, ts, field.Type)
				if n != "" {
					g.walkStruct(d, n, path)
				}
				continue
			}
			d, n := g.named(p, ts, field.Type)
			g.tables[path][tomlName] = g.typeOf(p, ts, field.Type, join(path, tomlName))
			_ = d
			_ = n
			continue
		}
		for _, id := range field.Names {
			if !id.IsExported() {
				continue
			}
			k := tomlName
			if k == "" {
				k = id.Name
			}
			g.tables[path][k] = g.typeOf(p, ts, field.Type, join(path, k))
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// named resolves a (possibly pointer) type expression to a package dir and type name in the
// runner module; "" when it is not one.
func (g *generator) named(p *pkg, ts *ast.TypeSpec, expr ast.Expr) (string, string) {
	switch t := expr.(type) {
	case *ast.StarExpr:
		return g.named(p, ts, t.X)
	case *ast.Ident:
		if _, ok := p.types[t.Name]; ok {
			return g.dirOf(p), t.Name
		}
	case *ast.SelectorExpr:
		if x, ok := t.X.(*ast.Ident); ok {
			imp := p.imports[ts][x.Name]
			if strings.HasPrefix(imp, module+"/") {
				return strings.TrimPrefix(imp, module+"/"), t.Sel.Name
			}
		}
	}
	return "", ""
}

func (g *generator) dirOf(p *pkg) string {
	for d, q := range g.pkgs {
		if q == p {
			return d
		}
	}
	return ""
}

// typeOf is the TOML type of a field of type `expr` at `path`, walking sub-tables.
func (g *generator) typeOf(p *pkg, ts *ast.TypeSpec, expr ast.Expr, path string) string {
	switch t := expr.(type) {
	case *ast.StarExpr:
		return g.typeOf(p, ts, t.X, path)
	case *ast.Ident:
		switch t.Name {
		case "string":
			return "string"
		case "bool":
			return "boolean"
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
			return "integer"
		case "float32", "float64":
			return "float"
		case "any":
			return "any"
		}
	case *ast.SelectorExpr:
		if x, ok := t.X.(*ast.Ident); ok && p.imports[ts][x.Name] == "time" {
			switch t.Sel.Name {
			case "Duration":
				return "duration"
			case "Time":
				return "datetime"
			}
		}
	case *ast.InterfaceType:
		return "any"
	case *ast.ArrayType:
		elem := t.Elt
		if g.isStruct(p, ts, elem) {
			g.walkNamed(p, ts, elem, path)
			return "array-of-tables"
		}
		return "array:" + g.typeOf(p, ts, elem, path)
	case *ast.MapType:
		if g.isStruct(p, ts, t.Value) {
			g.walkNamed(p, ts, t.Value, path+".*")
			return "map:table"
		}
		return "map:" + g.typeOf(p, ts, t.Value, path)
	case *ast.StructType:
		fail("anonymous struct at %s is not supported", path)
	}
	dir, name := g.named(p, ts, expr)
	if name == "" {
		return "any"
	}
	q := g.load(dir)
	def := q.types[name]
	if q.methods[name]["UnmarshalTOML"] {
		// Custom decoding: a list of strings that also takes one string (pull_policy) says so.
		if arr, ok := def.Type.(*ast.ArrayType); ok {
			if id, ok := arr.Elt.(*ast.Ident); ok && id.Name == "string" {
				return "string|array:string"
			}
		}
		return "any"
	}
	if q.methods[name]["UnmarshalText"] {
		return "string"
	}
	if _, ok := def.Type.(*ast.StructType); ok {
		g.walkStruct(dir, name, path)
		return "table"
	}
	return g.typeOf(q, def, def.Type, path)
}

func (g *generator) isStruct(p *pkg, ts *ast.TypeSpec, expr ast.Expr) bool {
	dir, name := g.named(p, ts, expr)
	if name == "" {
		return false
	}
	q := g.load(dir)
	if q.methods[name]["UnmarshalTOML"] || q.methods[name]["UnmarshalText"] {
		return false
	}
	_, ok := q.types[name].Type.(*ast.StructType)
	return ok
}

func (g *generator) walkNamed(p *pkg, ts *ast.TypeSpec, expr ast.Expr, path string) {
	dir, name := g.named(p, ts, expr)
	g.walkStruct(dir, name, path)
}
