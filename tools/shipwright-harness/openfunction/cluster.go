package openfunction

import (
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// Cluster is what Shipwright's validations read from the API server: the strategy and the
// Secrets the Function names, typed by the core scheme plus the release's own API.
func Cluster(fn *Function, strategy client.Object, addShipwright func(*runtime.Scheme) error) (client.Client, *runtime.Scheme) {
	scheme := runtime.NewScheme()
	Must(clientgoscheme.AddToScheme(scheme))
	Must(addShipwright(scheme))
	objects := []client.Object{strategy}
	if fn != nil {
		for _, s := range Secrets(fn) {
			objects = append(objects, s)
		}
	}
	return fake.NewClientBuilder().WithScheme(scheme).WithObjects(objects...).Build(), scheme
}
