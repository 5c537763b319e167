// The engine: this device (device.ts) and its API. Every operation goes through call(), which
// validates the request against the contract in shared/api.ts and runs the method's handler.
import { Device } from './device.ts'
import { handlers } from './api/handlers.ts'
import { validateRequest } from '../../shared/validate.ts'
import { methods, type MethodName, type Params, type Result, type ShoalApi } from '../../shared/api.ts'

export { FOLDER_CLOSE_MS, type EngineOptions } from './device.ts'

export class Engine extends Device implements ShoalApi {
  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    if (!this.opened) await this.ready()
    const request = validateRequest(method, params)
    const handler = handlers[request.method] as (device: Device, params: unknown) => Promise<unknown>
    const result = await handler(this, request.params)
    return methods[method].result.parse(result) as Result<M>
  }
}
