{{ staging_current('training_completions') }}
