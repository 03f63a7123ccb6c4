package vendored

// The main package the build generates imports the framework's funcframework package;
// this blank import keeps it in go.mod and in vendor/ (go mod vendor copies only the
// packages the module imports).
import _ "github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
