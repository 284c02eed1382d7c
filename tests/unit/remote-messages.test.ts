// What the remote engine understands of a server's address, model list and errors, and what it tells the reviewer.
import { describe, expect, it } from 'vitest';
import { encodePngRgb } from '../../electron/inference/image/encode-png';
import { prepareForGemma3 } from '../../electron/inference/image/gemma3-preprocess';
import { finishReason } from '../../electron/inference/engines/remote-engine';
import { httpError, notMultimodalError, saysNotMultimodal, serverMessage, type ServerContext } from '../../electron/inference/remote/messages';
import { chatBody, parseModelList, parseServerUrl } from '../../electron/inference/remote/openai-api';
import { makePng } from '../fixtures/images';

const ctx: ServerContext = { host: 'gpu-server:8000', base: 'http://gpu-server:8000', model: 'medgemma', hasKey: true };

describe('server address', () => {
  it.each([
    ['http://gpu-server:8000', 'http://gpu-server:8000'],
    ['  http://gpu-server:8000/  ', 'http://gpu-server:8000'],
    ['http://gpu-server:8000/v1', 'http://gpu-server:8000'],
    ['http://gpu-server:8000/v1/', 'http://gpu-server:8000'],
    ['http://gpu-server:8000/v1/chat/completions', 'http://gpu-server:8000'],
    ['https://ai.hospital.example/llm/v1/models', 'https://ai.hospital.example/llm'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
  ])('%s → %s', (input, base) => {
    expect(parseServerUrl(input).base).toBe(base);
  });

  it.each([
    ['gpu-server:8000', /http:\/\/ or https:\/\//],
    ['ftp://gpu-server', /must start with http/],
    ['http://user:secret@gpu-server:8000', /API key in its own field/],
    ['http://gpu-server:8000/v1?key=abc', /must not contain a query/],
    ['not a url', /not a server address/],
  ])('refuses %s with a message that says what to do', (input, message) => {
    expect(() => parseServerUrl(input)).toThrow(message);
  });
});

describe('model list', () => {
  it('reads llama-server capabilities (with and without an mmproj)', () => {
    const list = (caps: string[]) => ({
      models: [{ name: 'gemma.gguf', model: 'gemma.gguf', capabilities: caps }],
      object: 'list',
      data: [{ id: 'gemma.gguf', object: 'model', owned_by: 'llamacpp', meta: { n_ctx_train: 131072 } }],
    });
    expect(parseModelList(list(['completion', 'multimodal']))[0]).toMatchObject({ id: 'gemma.gguf', ownedBy: 'llamacpp', multimodal: true });
    expect(parseModelList(list(['completion']))[0]!.multimodal).toBe(false);
  });

  it('reads input_modalities, vLLM max_model_len, and says "unknown" when a list says nothing', () => {
    const [a, b] = parseModelList({
      data: [
        { id: 'a', architecture: { input_modalities: ['text'] } },
        { id: 'mehti/medgemma-cataract-surgical-analysis', owned_by: 'vllm', max_model_len: 4096 },
      ],
    });
    expect(a!.multimodal).toBe(false);
    expect(b).toMatchObject({ multimodal: null, contextSize: 4096, imageSize: null });
  });

  it('reads the image size serve-model advertises', () => {
    expect(parseModelList({ data: [{ id: 'm', meta: { image_size: 224, image_tokens: 16, llama_cpp_release: 'b6000' } }] })[0]).toMatchObject({
      imageSize: 224,
      imageTokens: 16,
      llamaCppRelease: 'b6000',
    });
  });

  it('refuses an answer that is not a model list', () => {
    expect(() => parseModelList({ models: [] })).toThrow(/no "data" list/);
  });
});

describe('request body', () => {
  it('sends the image first, then the same prompt, greedy, streamed with usage', () => {
    const body = JSON.parse(chatBody('m', { image: Uint8Array.of(1, 2, 3), imageMime: 'image/png', prompt: 'Describe.', maxTokens: 512, stream: true }));
    expect(body).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AQID' } }, { type: 'text', text: 'Describe.' }] }],
      temperature: 0,
      max_tokens: 512,
      stream: true,
      stream_options: { include_usage: true },
    });
  });
});

describe('error bodies and messages', () => {
  it('reads the message from OpenAI, llama-server, vLLM, plain-text and HTML error bodies', () => {
    expect(serverMessage('{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}')).toBe('Incorrect API key provided');
    expect(serverMessage('{"error":{"code":500,"message":"image input is not supported","type":"server_error"}}')).toBe('image input is not supported');
    expect(serverMessage('{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404}')).toBe('The model `x` does not exist.');
    expect(serverMessage('{"error":"Unauthorized"}')).toBe('Unauthorized');
    expect(serverMessage('<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>')).toBe('413 Request Entity Too Large');
    expect(serverMessage('Bad Gateway')).toBe('Bad Gateway');
    expect(serverMessage('')).toBeNull();
  });

  it('recognises servers that cannot take images, and not other image complaints', () => {
    expect(saysNotMultimodal('image input is not supported - hint: if this is unexpected, you may need to provide the mmproj')).toBe(true);
    expect(saysNotMultimodal('At most 0 image(s) may be provided in one request.')).toBe(true);
    expect(saysNotMultimodal('meta-llama/Llama-3.1-8B-Instruct is not a multimodal model')).toBe(true);
    expect(saysNotMultimodal('This model does not support image inputs')).toBe(true);
    expect(saysNotMultimodal('The PNG file is damaged or incomplete (bad CRC).')).toBe(false);
    expect(saysNotMultimodal('max_tokens must be at most 4096')).toBe(false);
  });

  it.each([
    [401, '', { ...ctx, hasKey: true }, 'chat', 'forbidden', /API key was refused by the server at gpu-server:8000 \(401 Unauthorized\)\. Check the key in Settings/],
    [401, '', { ...ctx, hasKey: false }, 'models', 'forbidden', /needs an API key \(401 Unauthorized\)\. Enter the key/],
    [403, '{"error":"forbidden"}', ctx, 'chat', 'forbidden', /refused access \(403 Forbidden\)/],
    [404, '{"object":"error","message":"The model `medgemma` does not exist.","code":404}', ctx, 'chat', 'not-found', /has no model "medgemma" \(404\).*Test connection/],
    [404, '<html><title>404 Not Found</title></html>', ctx, 'models', 'not-found', /Nothing answers at http:\/\/gpu-server:8000\/v1\/models \(404 Not Found\)\. Check the server URL/],
    [413, '', ctx, 'chat', 'unsupported-input', /larger than the server at gpu-server:8000 accepts \(2\.0 MB as sent\) \(413 Payload Too Large\)\. Ask its administrator to raise/],
    [500, '{"error":{"code":500,"message":"image input is not supported - hint: you may need to provide the mmproj","type":"server_error"}}', ctx, 'chat', 'unsupported-input', /runs "medgemma" without image input.*--mmproj/],
    [400, '{"object":"error","message":"At most 0 image(s) may be provided in one request.","code":400}', ctx, 'chat', 'unsupported-input', /without image input/],
    [503, '{"error":{"message":"Loading model"}}', ctx, 'chat', 'unavailable', /not available right now \(503\)\. The server said: "Loading model"\. It may be starting/],
    [500, '{"error":{"message":"CUDA error: out of memory"}}', ctx, 'chat', 'unavailable', /failed with an internal error \(500\)\. The server said: "CUDA error: out of memory"/],
  ] as const)('HTTP %i: the message says what to do', (status, body, c, op, code, message) => {
    const err = httpError(status, body, c, op, 2 * 1024 * 1024);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });
});

describe('parity of the picture', () => {
  it('sends exactly the pixels the local engine gives the model, which the server then leaves as they are', () => {
    for (const [w, h, side] of [
      [1920, 1080, 896],
      [320, 180, 224],
      [500, 700, 896],
    ] as const) {
      const frame = makePng(w, h, w % 17);
      const local = prepareForGemma3(frame, side); // what the local engine hands to mtmd
      const sent = encodePngRgb(local); // what the remote engine sends
      const atServer = prepareForGemma3(sent, side); // what serve-model (the same preprocessing) hands to mtmd
      expect(atServer.width).toBe(side);
      expect(Buffer.from(atServer.rgb).equals(Buffer.from(local.rgb))).toBe(true);
    }
  });
});

describe('conversations, context and server facts (issue 13)', () => {
  it('sends a follow-up as the whole conversation: the image with the first question, then answers and questions in turn', () => {
    const body = JSON.parse(
      chatBody('m', {
        image: Uint8Array.of(1, 2, 3),
        imageMime: 'image/png',
        prompt: 'Which instrument?',
        maxTokens: 512,
        stream: true,
        history: [
          { question: 'Seed prompt', answer: 'First answer' },
          { question: 'What is the risk?', answer: 'Second answer' },
        ],
      }),
    ) as { messages: Array<{ role: string; content: unknown }> };
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(body.messages[0]!.content).toEqual([{ type: 'image_url', image_url: { url: 'data:image/png;base64,AQID' } }, { type: 'text', text: 'Seed prompt' }]);
    expect(body.messages.slice(1).map((m) => m.content)).toEqual(['First answer', 'What is the risk?', 'Second answer', 'Which instrument?']);
  });

  it("reads llama-server's context size (meta.n_ctx) from the model list", () => {
    const [entry] = parseModelList({ object: 'list', data: [{ id: 'gemma.gguf', object: 'model', owned_by: 'llamacpp', meta: { n_ctx_train: 131072, n_ctx: 4096 } }] });
    expect(entry!.contextSize).toBe(4096);
  });

  it('a 400 for a too-small context says to start the server with a larger context, not to check the model id', () => {
    for (const body of [
      '{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error","n_prompt_tokens":1200,"n_ctx":1024}}',
      '{"object":"error","message":"This model\'s maximum context length is 4096 tokens. However, you requested 4200 tokens (3700 in the messages, 500 in the completion).","type":"BadRequestError","code":400}',
    ]) {
      const e = httpError(400, body, ctx, 'chat');
      expect(e.message).toMatch(/too small a context.*start the server with a larger context \(llama-server -c 4096/);
      expect(e.message).not.toMatch(/model id/);
    }
  });

  it("the workstation's own finding is not quoted as the server's words", () => {
    const e = notMultimodalError(ctx, null, 'its model list does not include image input');
    expect(e.message).toContain('without image input: its model list does not include image input.');
    expect(e.message).not.toMatch(/it said/);
    expect(notMultimodalError(ctx, 'image input is not supported').message).toContain('(it said: "image input is not supported")');
  });

  it('an answer cut by the server context (finish_reason length before max tokens) is marked as cut, not as max tokens', () => {
    expect(finishReason({ finishReason: 'length', completionTokens: 37, pieces: 37 }, 512)).toBe('length');
    expect(finishReason({ finishReason: 'length', completionTokens: 512, pieces: 512 }, 512)).toBe('max-tokens');
    expect(finishReason({ finishReason: 'stop', completionTokens: 20, pieces: 20 }, 512)).toBe('eos');
  });
});
