import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { zodIssuesToFields } from '@webstream/contracts';
import { type z } from 'zod';
import { RequestValidationException } from './request-validation.exception';

/** Parses a body, query or parameter with its zod contract; the parsed value replaces the raw one. */
@Injectable()
export class ZodValidationPipe<Schema extends z.ZodType> implements PipeTransform<unknown, z.output<Schema>> {
  constructor(private readonly schema: Schema) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<Schema> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const fields = zodIssuesToFields(result.error);
    throw new RequestValidationException(
      metadata.type === 'body'
        ? fields
        : fields.map((field) => ({ ...field, path: `${metadata.type}.${field.path}` })),
    );
  }
}
