//! Texts → unit vectors: tokenise, run the ONNX graph, mean-pool over the attention mask, L2-normalise
//! (what sentence-transformers does for the MiniLM family, so dot product = cosine).

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ort::session::{Session, SessionInputValue};
use ort::value::{Tensor, ValueType};
use tokenizers::{Tokenizer, TruncationParams};

use super::session::{ModelSession, Workload};
use crate::parallel::on_threads;
use super::{load_runtime, ModelError, ModelFiles, ModelInfo};

/// BERT's position table has 512 rows: nothing longer can be embedded.
const HARD_MAX_TOKENS: usize = 512;

/// A loaded model, ready to embed batches of text.
pub struct Embedder {
    /// The first runs with `threads` intra-op threads; [`Embedder::with_sessions`] adds one-thread ones that
    /// embed other texts at the same time.
    sessions: Vec<ModelSession>,
    tokenizer: Tokenizer,
    info: ModelInfo,
    files: ModelFiles,
    /// Sessions still to open for [`Embedder::with_sessions`] (0: none).
    parallel: usize,
    has_token_type_ids: bool,
    dims: usize,
    // Sessions need the environment alive.
    _environment: ort::environment::Environment,
}

impl Embedder {
    /// Loads ONNX Runtime (see [`load_runtime`]) and the model, its session started for `workload`.
    pub fn load(files: &ModelFiles, runtime: Option<&std::path::Path>, workload: Workload) -> Result<Self, ModelError> {
        // Parsing tokenizer.json and starting the session are independent: on two cores, at once.
        let (tokenizer, loaded) = std::thread::scope(|scope| {
            let tokenizer = scope.spawn(|| {
                let tokenizer = load_tokenizer(files);
                crate::trace::mark("tokenizer");
                tokenizer
            });
            let loaded = load_runtime(runtime).and_then(|environment| {
                crate::trace::mark("runtime");
                let info = files.info()?;
                let session = super::session::open(&environment, files, &info, workload)?;
                crate::trace::mark("session");
                Ok((environment, info, session))
            });
            (crate::parallel::join(tokenizer), loaded)
        });
        let (environment, info, session) = loaded?;
        let tokenizer = tokenizer?;
        let has_token_type_ids = session.session().inputs().iter().any(|i| i.name() == "token_type_ids");
        let dims = output_dims(session.session()).ok_or_else(|| ModelError::Unsupported {
            path: files.onnx.clone(),
            message: "its first output is not a [batch, tokens, dims] or [batch, dims] float tensor".into(),
        })?;
        Ok(Embedder { sessions: vec![session], tokenizer, info, files: files.clone(), parallel: 0, has_token_type_ids, dims, _environment: environment })
    }

    /// Embeds many texts with `count` sessions of one thread each, every one on a different text, instead of
    /// one session splitting each text's work across threads: no hand-offs inside a model call, and a core
    /// taken by another program stalls one text rather than every one. Measured here (100 SciFact abstracts,
    /// 2 cores, another build running): 22-29 → 39-43 passages/s. The sessions open on the first call with
    /// more than one text, so an index run with nothing to embed pays nothing; they share the mapped model
    /// but each holds its own pre-packed weights (about 100 MB more at peak).
    pub fn with_sessions(mut self, count: usize) -> Self {
        self.parallel = count;
        self
    }

    fn open_parallel_sessions(&mut self) -> Result<(), ModelError> {
        let sessions = (0..self.parallel)
            .map(|_| super::session::open(&self._environment, &self.files, &self.info, Workload::Many { threads: 1 }))
            .collect::<Result<Vec<_>, _>>()?;
        self.sessions = sessions;
        self.parallel = 0;
        Ok(())
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The tokenizer, for chunking with the model's own word pieces.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Embeds any number of texts, `step` tokenised together at a time; returns the vectors in the order of
    /// `texts`.
    pub fn embed_all(&mut self, texts: &[&str], step: usize) -> Result<Vec<f32>, ModelError> {
        let mut vectors = Vec::with_capacity(texts.len() * self.dims);
        for chunk in texts.chunks(step.max(1)) {
            vectors.extend(self.embed(chunk)?);
        }
        Ok(vectors)
    }

    /// Embeds texts, tokenised together, each in a model call of its own; returns `texts.len() × dims`
    /// floats, row-major, each row of unit length.
    ///
    /// One sequence per call, never a padded batch: with a dynamically quantised model the activations'
    /// int8 scale is set per call, so a batch's longest or oddest text would shift every other text's
    /// vector (measured: cosine 0.995 between a text alone and in a batch of 9). It is also the fastest
    /// here, since one sequence's activations stay in cache: 560 SciFact passages, 2 threads, int8 model,
    /// batches of 1 / 8 / 32 → 70 / 41 / 23 passages/s (Python onnxruntime, same file).
    pub fn embed(&mut self, texts: &[&str]) -> Result<Vec<f32>, ModelError> {
        let never = AtomicBool::new(false);
        Ok(self.embed_until(texts, &never)?.unwrap_or_default())
    }

    /// [`Embedder::embed`], giving up (`None`) once `stop` is set: each session checks it before taking its
    /// next text, so a whole pool of texts can go in one call (the sessions never wait for each other between
    /// steps: 560 SciFact passages, steps of 8 → one step, 68 → 77 passages/s) and an interrupt still lands
    /// within one model call.
    pub fn embed_until(&mut self, texts: &[&str], stop: &AtomicBool) -> Result<Option<Vec<f32>>, ModelError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| ModelError::Inference(format!("tokenizer: {e}")))?;
        if self.parallel > 1 && texts.len() > 1 {
            self.open_parallel_sessions()?;
        }
        let (dims, token_types) = (self.dims, self.has_token_type_ids);
        // Each session takes the next text not yet taken, so long and short texts even out; one text needs one.
        let next = AtomicUsize::new(0);
        let sessions: Vec<&mut ModelSession> = self.sessions.iter_mut().take(encodings.len().max(1)).collect();
        let results = on_threads(sessions, |session| {
            let mut done = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(encoding) = encodings.get(i) else { return Ok(Some(done)) };
                done.push((i, embed_one(session, encoding, token_types, dims)?));
            }
            Ok(None)
        });
        let mut vectors = vec![0f32; texts.len() * dims];
        for done in results {
            let Some(done) = done? else { return Ok(None) };
            for (i, vector) in done {
                vectors[i * dims..][..dims].copy_from_slice(&vector);
            }
        }
        Ok(Some(vectors))
    }
}

fn embed_one(session: &mut ModelSession, encoding: &tokenizers::Encoding, token_types: bool, dims: usize) -> Result<Vec<f32>, ModelError> {
    let error = |e: ort::Error| ModelError::Inference(e.to_string());
    let inputs = Sequence::new(encoding).inputs(token_types).map_err(error)?;
    let outputs = session.run(inputs).map_err(error)?;
    let (shape, hidden) = outputs[0].try_extract_tensor::<f32>().map_err(error)?;
    let mut vector = match shape.len() {
        3 => mean(hidden, dims),
        _ => hidden.to_vec(),
    };
    normalise(&mut vector);
    Ok(vector)
}

fn load_tokenizer(files: &ModelFiles) -> Result<Tokenizer, ModelError> {
    let error = |message: String| ModelError::Tokenizer { path: files.tokenizer.clone(), message };
    let mut tokenizer = Tokenizer::from_file(&files.tokenizer).map_err(|e| error(e.to_string()))?;
    // Override the file's own settings (often a fixed 128): no padding (one sequence per call), cut only at
    // the hard limit.
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams { max_length: HARD_MAX_TOKENS, ..Default::default() }))
        .map_err(|e| error(e.to_string()))?;
    Ok(tokenizer)
}

/// The embedding width from the first output's declared shape.
fn output_dims(session: &Session) -> Option<usize> {
    match session.outputs().first()?.dtype() {
        ValueType::Tensor { shape, .. } if matches!(shape.len(), 2 | 3) => {
            usize::try_from(*shape.last()?).ok().filter(|&d| d > 0)
        }
        _ => None,
    }
}

/// One tokenised text as the [1, tokens] i64 tensors BERT takes.
struct Sequence {
    input_ids: Vec<i64>,
    attention_mask: Vec<i64>,
    token_type_ids: Vec<i64>,
}

impl Sequence {
    fn new(encoding: &tokenizers::Encoding) -> Self {
        let widen = |values: &[u32]| values.iter().map(|&v| v as i64).collect::<Vec<i64>>();
        Sequence {
            input_ids: widen(encoding.get_ids()),
            attention_mask: widen(encoding.get_attention_mask()),
            token_type_ids: widen(encoding.get_type_ids()),
        }
    }

    fn inputs(self, with_token_type_ids: bool) -> ort::Result<Vec<(Cow<'static, str>, SessionInputValue<'static>)>> {
        let shape = [1, self.input_ids.len() as i64];
        let tensor = |data: Vec<i64>| Tensor::from_array((shape, data)).map(SessionInputValue::from);
        let mut inputs = vec![
            (Cow::Borrowed("input_ids"), tensor(self.input_ids)?),
            (Cow::Borrowed("attention_mask"), tensor(self.attention_mask)?),
        ];
        if with_token_type_ids {
            inputs.push((Cow::Borrowed("token_type_ids"), tensor(self.token_type_ids)?));
        }
        Ok(inputs)
    }
}

/// Mean of one sequence's token vectors (unpadded, so every token counts).
fn mean(hidden: &[f32], dims: usize) -> Vec<f32> {
    let mut pooled = vec![0f32; dims];
    let tokens = hidden.len() / dims;
    for token in hidden.chunks_exact(dims) {
        pooled.iter_mut().zip(token).for_each(|(p, t)| *p += t);
    }
    pooled.iter_mut().for_each(|p| *p /= tokens.max(1) as f32);
    pooled
}

fn normalise(vector: &mut [f32]) {
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
    vector.iter_mut().for_each(|v| *v /= norm);
}
