"""CSV in and out: imports (upload, preview, resumable run) and streamed exports."""
