//! Texts → unit vectors: tokenise, run the ONNX graph, mean-pool over the attention mask, L2-normalise
//! (what sentence-transformers does for the MiniLM family, so dot product = cosine).

use std::borrow::Cow;

use ort::session::{Session, SessionInputValue};
use ort::value::{Tensor, ValueType};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use super::session::ModelSession;
use super::{load_runtime, ModelError, ModelFiles, ModelInfo};

/// BERT's position table has 512 rows: nothing longer can be embedded.
const HARD_MAX_TOKENS: usize = 512;

/// A loaded model, ready to embed batches of text.
pub struct Embedder {
    session: ModelSession,
    tokenizer: Tokenizer,
    info: ModelInfo,
    has_token_type_ids: bool,
    dims: usize,
    // Sessions need the environment alive.
    _environment: ort::environment::Environment,
}

impl Embedder {
    /// Loads ONNX Runtime (see [`load_runtime`]) and the model, using `threads` intra-op threads.
    pub fn load(files: &ModelFiles, runtime: Option<&std::path::Path>, threads: usize) -> Result<Self, ModelError> {
        // Parsing tokenizer.json and starting the session are independent: on two cores, at once.
        let (tokenizer, loaded) = std::thread::scope(|scope| {
            let tokenizer = scope.spawn(|| load_tokenizer(files));
            let loaded = load_runtime(runtime).and_then(|environment| {
                let info = files.info()?;
                let session = super::session::open(&environment, files, &info, threads)?;
                Ok((environment, info, session))
            });
            (tokenizer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), loaded)
        });
        let (environment, info, session) = loaded?;
        let tokenizer = tokenizer?;
        let has_token_type_ids = session.session().inputs().iter().any(|i| i.name() == "token_type_ids");
        let dims = output_dims(session.session()).ok_or_else(|| ModelError::Unsupported {
            path: files.onnx.clone(),
            message: "its first output is not a [batch, tokens, dims] or [batch, dims] float tensor".into(),
        })?;
        Ok(Embedder { session, tokenizer, info, has_token_type_ids, dims, _environment: environment })
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

    /// Embeds any number of texts in batches of `batch_size`, grouped by length so that little time goes
    /// into padding; returns the vectors in the order of `texts`.
    pub fn embed_all(&mut self, texts: &[&str], batch_size: usize) -> Result<Vec<f32>, ModelError> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let mut vectors = vec![0f32; texts.len() * self.dims];
        for batch in order.chunks(batch_size.max(1)) {
            let batch_texts: Vec<&str> = batch.iter().map(|&i| texts[i]).collect();
            let embedded = self.embed(&batch_texts)?;
            for (&i, vector) in batch.iter().zip(embedded.chunks_exact(self.dims)) {
                vectors[i * self.dims..][..self.dims].copy_from_slice(vector);
            }
        }
        Ok(vectors)
    }

    /// Embeds a batch; returns `texts.len() × dims` floats, row-major, each row of unit length.
    pub fn embed(&mut self, texts: &[&str]) -> Result<Vec<f32>, ModelError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| ModelError::Inference(format!("tokenizer: {e}")))?;
        let batch = Batch::new(&encodings);
        let inputs = batch.inputs(self.has_token_type_ids).map_err(|e| ModelError::Inference(e.to_string()))?;
        let outputs = self.session.run(inputs).map_err(|e| ModelError::Inference(e.to_string()))?;
        let (shape, hidden) =
            outputs[0].try_extract_tensor::<f32>().map_err(|e| ModelError::Inference(e.to_string()))?;
        let mut vectors = match shape.len() {
            3 => mean_pool(hidden, &batch.attention_mask, batch.rows, batch.cols, self.dims),
            _ => hidden.to_vec(),
        };
        vectors.chunks_exact_mut(self.dims).for_each(normalise);
        Ok(vectors)
    }
}

fn load_tokenizer(files: &ModelFiles) -> Result<Tokenizer, ModelError> {
    let error = |message: String| ModelError::Tokenizer { path: files.tokenizer.clone(), message };
    let mut tokenizer = Tokenizer::from_file(&files.tokenizer).map_err(|e| error(e.to_string()))?;
    // Override the file's own settings (often a fixed 128): pad to the batch's longest, cut only at the hard limit.
    tokenizer.with_padding(Some(PaddingParams { strategy: PaddingStrategy::BatchLongest, ..Default::default() }));
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

/// A tokenised batch as the flat i64 tensors BERT takes.
struct Batch {
    rows: usize,
    cols: usize,
    input_ids: Vec<i64>,
    attention_mask: Vec<i64>,
    token_type_ids: Vec<i64>,
}

impl Batch {
    fn new(encodings: &[tokenizers::Encoding]) -> Self {
        let cols = encodings.first().map_or(0, |e| e.len());
        let flat = |field: fn(&tokenizers::Encoding) -> &[u32]| {
            encodings.iter().flat_map(|e| field(e).iter().map(|&v| v as i64)).collect::<Vec<i64>>()
        };
        Batch {
            rows: encodings.len(),
            cols,
            input_ids: flat(|e| e.get_ids()),
            attention_mask: flat(|e| e.get_attention_mask()),
            token_type_ids: flat(|e| e.get_type_ids()),
        }
    }

    fn inputs(&self, with_token_type_ids: bool) -> ort::Result<Vec<(Cow<'static, str>, SessionInputValue<'static>)>> {
        let shape = [self.rows as i64, self.cols as i64];
        let tensor = |data: &Vec<i64>| Tensor::from_array((shape, data.clone())).map(SessionInputValue::from);
        let mut inputs = vec![
            (Cow::Borrowed("input_ids"), tensor(&self.input_ids)?),
            (Cow::Borrowed("attention_mask"), tensor(&self.attention_mask)?),
        ];
        if with_token_type_ids {
            inputs.push((Cow::Borrowed("token_type_ids"), tensor(&self.token_type_ids)?));
        }
        Ok(inputs)
    }
}

/// Mean of each row's token vectors over its attention mask.
fn mean_pool(hidden: &[f32], mask: &[i64], rows: usize, cols: usize, dims: usize) -> Vec<f32> {
    let mut pooled = vec![0f32; rows * dims];
    for (row, out) in pooled.chunks_exact_mut(dims).enumerate() {
        let mut count = 0f32;
        for col in 0..cols {
            if mask[row * cols + col] == 0 {
                continue;
            }
            count += 1.0;
            let token = &hidden[(row * cols + col) * dims..][..dims];
            out.iter_mut().zip(token).for_each(|(o, t)| *o += t);
        }
        out.iter_mut().for_each(|o| *o /= count.max(1e-9));
    }
    pooled
}

fn normalise(vector: &mut [f32]) {
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
    vector.iter_mut().for_each(|v| *v /= norm);
}
