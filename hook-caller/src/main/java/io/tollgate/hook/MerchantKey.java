package io.tollgate.hook;

import java.util.Objects;

/** Identifies a merchant across agencies, as merchants.v1 keys it: {@code agency/merchant}. */
public record MerchantKey(String agencyId, String merchantId) {

  public MerchantKey {
    Objects.requireNonNull(agencyId, "agencyId");
    Objects.requireNonNull(merchantId, "merchantId");
  }

  @Override
  public String toString() {
    return agencyId + "/" + merchantId;
  }
}
