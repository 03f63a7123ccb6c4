// Package gcsevent is a legacy background function, as written for gcp-builder with
// GOOGLE_FUNCTION_SIGNATURE_TYPE=event: it gets a Cloud Storage object's metadata.
package gcsevent

import (
	"context"
	"fmt"
	"log"
)

// GCSEvent is the part of a Cloud Storage event's data the function reads.
type GCSEvent struct {
	Bucket      string `json:"bucket"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
}

// OnFinalize logs the uploaded object; an object without a name is an error.
func OnFinalize(ctx context.Context, e GCSEvent) error {
	if e.Name == "" {
		return fmt.Errorf("event for bucket %q names no object", e.Bucket)
	}
	log.Printf("uploaded gs://%s/%s (%s)", e.Bucket, e.Name, e.ContentType)
	return nil
}
