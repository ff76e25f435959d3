import { Field, InputType } from 'type-graphql';
import { MAX_ADDRESS_LINES } from '../../domain/order/shippingDetails.js';

@InputType({
  description:
    "Where the order ships and whom to tell. Personal data: sealed under the customer's own key before it is stored, erased with it (forgetCustomer).",
})
export class ShippingDetailsInput {
  @Field(() => String, { description: 'At most 200 characters.' })
  recipientName!: string;

  @Field(() => [String], {
    description: `1 to ${MAX_ADDRESS_LINES} lines of at most 200 characters: street and number, building, apartment.`,
  })
  addressLines!: string[];

  @Field(() => String, { description: 'At most 100 characters.' })
  city!: string;

  @Field(() => String, {
    nullable: true,
    description: 'At most 20 letters, digits, spaces and hyphens; absent where the country has none.',
  })
  postalCode?: string | null;

  @Field(() => String, { nullable: true, description: 'State, province or county; at most 100 characters.' })
  region?: string | null;

  @Field(() => String, { description: 'ISO 3166-1 alpha-2 code in upper case: "DE", "US", "GB".' })
  country!: string;

  @Field(() => String, { description: 'Contact email for the delivery: name@example.com, at most 254 characters.' })
  email!: string;
}
