//! Finding and loading ONNX Runtime's shared library (the `ort` crate's `load-dynamic` mode: nothing is
//! downloaded at build time).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::environment::Environment;

use super::ModelError;

/// The library's file name as installed by scripts/fetch-assets and as the system loader knows it.
pub const RUNTIME_LIBRARY: &str = "libonnxruntime.so";

/// ONNX Runtime allows one environment per process; it lives as long as the process.
static ENVIRONMENT: Mutex<Option<Environment>> = Mutex::new(None);

/// Loads ONNX Runtime and creates its environment, once per process. Looks at `explicit` (`--ort-lib` /
/// `ORT_DYLIB_PATH`), then the asset directory, then the system loader's path. Telemetry events are off; to keep
/// the library from opening its telemetry store (`~/.cache/Microsoft/DeveloperTools`), set
/// `ORT_DISABLE_TELEMETRY=1` in the environment before the first call, as the sqa binary does.
pub fn load_runtime(explicit: Option<&Path>) -> Result<Environment, ModelError> {
    let mut environment = ENVIRONMENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(environment) = environment.as_ref() {
        return Ok(environment.clone());
    }
    let created = create_environment(explicit)?;
    *environment = Some(created.clone());
    Ok(created)
}

fn create_environment(explicit: Option<&Path>) -> Result<Environment, ModelError> {
    let path = runtime_path(explicit)?;
    let builder = ort::init_from(&path).map_err(|e| match (explicit, e) {
        (None, ort::LoadDynamicError::Dlopen { .. }) => ModelError::NoRuntime {
            tried: format!("{}, then {RUNTIME_LIBRARY} on the system library path", asset_library().display()),
        },
        (_, e) => ModelError::BadRuntime { path: path.clone(), message: e.to_string() },
    })?;
    crate::trace::mark("runtime library loaded");
    builder
        .with_name("sqa")
        // No telemetry events (on by default). Its on-disk store is opened when the library loads, before
        // this runs: the binary sets ORT_DISABLE_TELEMETRY first thing for that.
        .with_telemetry(false)
        .build()
        .map_err(|e| ModelError::BadRuntime { path, message: e.to_string() })
}

fn runtime_path(explicit: Option<&Path>) -> Result<PathBuf, ModelError> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(ModelError::NoRuntime { tried: path.display().to_string() })
        };
    }
    let bundled = asset_library();
    // A bare name makes the system loader search its own path.
    Ok(if bundled.is_file() { bundled } else { PathBuf::from(RUNTIME_LIBRARY) })
}

fn asset_library() -> PathBuf {
    crate::dirs::asset_dir().unwrap_or_default().join("lib").join(RUNTIME_LIBRARY)
}
