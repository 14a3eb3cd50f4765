// Command codegen writes the stripe-identity SDKs from schema.json with Pulumi's own code
// generators (pkg/v3/codegen/nodejs, python, go): `pulumi package gen-sdk` would ask each
// language's host, and the Python and Go hosts are not served here. .NET's generator lives in
// another module and is left out.
//
// Usage: codegen <schema.json> <sdk dir> <version> [nodejs|python|go ...]
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "pulumi-stripe-identity codegen"

func main() {
	if len(os.Args) < 4 {
		fail(fmt.Errorf("usage: codegen <schema.json> <sdk dir> <pulumi sdk version> [nodejs|python|go ...]"))
	}
	schemaPath, sdkDir, pulumiVersion, languages := os.Args[1], os.Args[2], os.Args[3], os.Args[4:]
	if len(languages) == 0 {
		languages = []string{"nodejs", "python", "go"}
	}
	text, err := os.ReadFile(schemaPath)
	if err != nil {
		fail(err)
	}
	for _, language := range languages {
		// Each generator records its language's facts on the package: bind a fresh one per language.
		var spec schema.PackageSpec
		if err := json.Unmarshal(text, &spec); err != nil {
			fail(fmt.Errorf("%s: %w", schemaPath, err))
		}
		pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
		if err != nil {
			fail(err)
		}
		if diags.HasErrors() {
			fail(fmt.Errorf("%s: %s", schemaPath, diags.Error()))
		}
		files, err := generate(language, pkg)
		if err != nil {
			fail(fmt.Errorf("%s: %w", language, err))
		}
		if language == "go" {
			files["go.mod"] = []byte(goMod(spec, pulumiVersion))
		}
		out := filepath.Join(sdkDir, language)
		if err := os.RemoveAll(out); err != nil {
			fail(err)
		}
		for name, content := range files {
			path := filepath.Join(out, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				fail(err)
			}
			if err := os.WriteFile(path, content, 0o644); err != nil {
				fail(err)
			}
		}
		fmt.Printf("%s: %d files in %s\n", language, len(files), out)
	}
}

func generate(language string, pkg *schema.Package) (map[string][]byte, error) {
	switch language {
	case "nodejs":
		return nodejsgen.GeneratePackage(tool, pkg, nil, nil, false, noPackages{})
	case "python":
		return pythongen.GeneratePackage(tool, pkg, nil, noPackages{})
	case "go":
		return gogen.GeneratePackage(tool, pkg, nil)
	default:
		return nil, fmt.Errorf("unknown language %q (nodejs, python or go)", language)
	}
}

// goMod makes sdk/go a module of its own (the generators write none), requiring the CLI's SDK.
func goMod(spec schema.PackageSpec, pulumiVersion string) string {
	var info struct {
		ImportBasePath string `json:"importBasePath"`
	}
	_ = json.Unmarshal(spec.Language["go"], &info)
	module := filepath.Dir(info.ImportBasePath)
	return fmt.Sprintf("module %s\n\ngo 1.25\n\nrequire github.com/pulumi/pulumi/sdk/v3 v%s\n", module, pulumiVersion)
}

// noPackages: the schema refers to no other package, so any request for one is a mistake.
type noPackages struct{}

func (noPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("schema.json refers to package %q: it must stand alone", pkg)
}

func (noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("schema.json refers to package %q: it must stand alone", d.Name)
}

func (noPackages) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("schema.json refers to package %q: it must stand alone", pkg)
}

func (noPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("schema.json refers to package %q: it must stand alone", d.Name)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "codegen: %v\n", err)
	os.Exit(1)
}
